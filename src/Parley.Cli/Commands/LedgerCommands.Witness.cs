using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Cli.Client;
using Parley.Cli.Ledger;
using Parley.Ledger;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley ledger witness-key|cosign</c>: a party acting as a witness of the center's log (c2sp.org/tlog-cosignature).</summary>
public static partial class LedgerCommands
{
    private static Command WitnessKey(CliConsole console)
    {
        var output = new Option<FileInfo>("--out")
        {
            Description = "File to create for the private key (owner-only; an existing file is never overwritten).",
            HelpName = "FILE",
            Required = true,
        };
        var name = new Option<string>("--name")
        {
            Description = "The key's name, schema-less and URL-like, e.g. witness.blue.example.",
            HelpName = "NAME",
            Required = true,
        };
        var command = new Command("witness-key",
            "Create an Ed25519 witness key and print its verifier key (vkey, type 0x04): the line the party puts into the agreement " +
            "as parties[].witness_key.")
        {
            output, name,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string keyName = parsed.GetValue(name)!;
            if (WitnessKeyFile.NameProblem(keyName) is { } problem)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--name '{keyName}': {problem}");
            }

            var file = parsed.GetValue(output)!;
            var vkey = WitnessKeyFile.Create(file.FullName, keyName);
            await console.Out.WriteLineAsync(vkey.ToString().AsMemory(), cancellationToken);
            await console.Error.WriteLineAsync(
                $"parley: witness key written to {file.FullName} (owner-only; keep it secret). Put the line above into the agreement " +
                "as this party's \"witness_key\", then run 'parley ledger cosign'.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cosign(CliConsole console)
    {
        var server = ServerOption();
        var agreement = AgreementOption();
        var token = TokenOption();
        var key = new Option<string>("--key")
        {
            Description = "The center's verifier key for this agreement (vkey text, or a file holding it). Get it out of band.",
            HelpName = "VKEY",
            Required = true,
        };
        var witness = new Option<FileInfo>("--witness")
        {
            Description = "The witness key file written by 'parley ledger witness-key'.",
            HelpName = "FILE",
            Required = true,
        };
        var state = new Option<FileInfo>("--state")
        {
            Description = "File keeping the last verified checkpoint: the new one must be consistent with it before it is cosigned; saved on success.",
            HelpName = "FILE",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var command = new Command("cosign",
            "Verify the ledger exactly as 'verify --server' does (signature, consistency with the state file's checkpoint, inclusion, replay), " +
            "then cosign the verified checkpoint with the party's witness key and send the cosignature to the center.")
        {
            server, agreement, token, key, witness, state, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var vkey = ReadKey(parsed.GetValue(key)!);
            if (vkey.Type != SignatureTypes.Ed25519)
            {
                throw new CliException(ExitCodes.InvalidInput,
                    "--key: that is a witness's cosignature key (type 0x04); give the center's key for the agreement (GET …/ledger/key)");
            }

            string statePath = parsed.GetValue(state)!.FullName;
            bool asJson = parsed.GetValue(json);
            using var signer = WitnessKeyFile.Load(parsed.GetValue(witness)!.FullName, console.Error);
            string bearer = Token(parsed.GetResult(token) is null ? null : parsed.GetValue(token));
            var party = PartyOf(bearer);
            var url = ServerUrl(parsed.GetValue(server));
            var progress = new ProgressLine(console.Error);
            bool posted = false;
            try
            {
                using var client = new LedgerClient(url, parsed.GetValue(agreement)!, bearer);

                // Only a checkpoint verified here, and consistent with the state file's, is ever cosigned.
                var report = await new ServerAudit(client, vkey, statePath, party, progress).RunAsync(cancellationToken);
                var checkpoint = report.Checkpoint;

                // The center keeps one cosignature per witness key and checkpoint: a newer one replaces the older.
                var cosignature = signer.Cosign(checkpoint.Text, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                await client.PostCosignaturesAsync(checkpoint.Size, cosignature.ToLine() + "\n", cancellationToken);

                posted = true;

                ulong time = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(cosignature.Signature);

                var served = await CheckServedAsync(client, vkey, checkpoint, statePath, signer.CosignatureVerifier, cosignature, cancellationToken);
                StateFile.Save(statePath, checkpoint);
                await WriteCosignReportAsync(console, report, signer.CosignatureVerifier, cosignature, time, posted, served, asJson);
                return ExitCodes.Ok;
            }
            catch (VerificationFailedException e)
            {
                await console.Error.WriteLineAsync(posted
                    ? $"parley: verification failed after cosigning: {e.Message}"
                    : $"parley: verification failed, nothing was cosigned: {e.Message}");
                if (asJson)
                {
                    var failure = new JsonObject { ["verified"] = false, ["cosigned"] = posted, ["failure"] = e.Message, ["entry"] = e.Entry };
                    await console.Out.WriteLineAsync(failure.ToJsonString(JsonOutput));
                }

                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>
    /// Reads the checkpoint the center now serves: it must be consistent with the one just cosigned and, while the log has not
    /// grown since, carry the cosignature. Returns the size of the checkpoint served.
    /// </summary>
    private static async Task<long> CheckServedAsync(LedgerClient client, VerifierKey key, VerifiedCheckpoint cosigned, string statePath,
        VerifierKey witness, NoteSignature cosignature, CancellationToken cancellationToken)
    {
        string note = Encoding.UTF8.GetString(await client.LedgerAsync("checkpoint", cancellationToken));
        var served = VerifiedCheckpoint.Verify(note, key, client.Server.ToString());
        await StateFile.CheckConsistencyAsync(cosigned, served, statePath, async (from, to) =>
        {
            byte[]? body;
            try
            {
                body = await client.TryLedgerAsync($"proof/consistency?from={from}&to={to}", cancellationToken);
            }
            catch (CliException e)
            {
                throw new ProofException($"the server gives no consistency proof from {from} to {to} ({e.Message})");
            }

            if (body is null)
            {
                throw new ProofException($"the server gives no consistency proof from {from} to {to}");
            }

            using var document = JsonDocument.Parse(body);
            return [.. document.RootElement.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString() ?? ""))];
        });

        if (served.Size == cosigned.Size)
        {
            string line = cosignature.ToLine();
            var signatures = SignedNote.Parse(note).Signatures;
            if (!signatures.Any(s => s.ToLine() == line && witness.Verifies(served.Text, s)))
            {
                throw new CliException(ExitCodes.Failure,
                    $"the center accepted the cosignature but does not serve the checkpoint of size {cosigned.Size} with it");
            }
        }

        return served.Size;
    }

    private static async Task WriteCosignReportAsync(CliConsole console, AuditReport report, VerifierKey witness, NoteSignature cosignature,
        ulong time, bool posted, long servedSize, bool asJson)
    {
        var checkpoint = report.Checkpoint;
        bool carried = servedSize == checkpoint.Size;
        if (asJson)
        {
            await console.Out.WriteLineAsync(new JsonObject
            {
                ["verified"] = true,
                ["cosigned"] = true,
                ["source"] = report.Source,
                ["origin"] = checkpoint.Body.Origin,
                ["size"] = checkpoint.Size,
                ["root"] = checkpoint.Root,
                ["key"] = $"{report.Key.Name}+{report.Key.KeyId:x8}",
                ["previous"] = report.Previous is { } p ? new JsonObject { ["size"] = p.Size, ["root"] = p.Root } : null,
                ["entries"] = report.Entries,
                ["openings"] = report.Openings,
                ["witness_key"] = witness.ToString(),
                ["timestamp"] = time,
                ["cosignature"] = cosignature.ToLine(),
                ["posted"] = posted,
                ["served_size"] = servedSize,
                ["served_with_cosignature"] = carried,
                ["state_file"] = report.StateFile,
            }.ToJsonString(JsonOutput));
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Ledger {checkpoint.Body.Origin} verified and cosigned at size {checkpoint.Size:N0}, root {checkpoint.Root}").AppendLine();
        AppendProvenance(text, report, "no checkpoint verified before (first use of this state file)");
        text.Append(CultureInfo.InvariantCulture, $"  entries      {report.Entries:N0} rebuild the checkpoint's root; {report.Openings:N0} openings replay").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  cosignature  {witness.Name}+{witness.KeyId:x8}, time {time}").AppendLine();
        text.Append("  served       ").AppendLine(carried
            ? "the center now serves the checkpoint with this cosignature"
            : string.Create(CultureInfo.InvariantCulture, $"the log has since grown to size {servedSize:N0} (consistent); the cosignature stays on size {checkpoint.Size:N0}"));
        text.Append(CultureInfo.InvariantCulture, $"  saved        {report.StateFile}").AppendLine();
        await console.Out.WriteAsync(text.ToString());
    }
}
