using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Cli.Client;
using Parley.Cli.Ledger;
using Parley.Core.Model;
using Parley.Ledger;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley ledger verify|export|witness-key|cosign</c>: check an agreement's verifiable log against the center's key
/// and the last checkpoint this client verified, on a server or in an exported tlog-tiles folder, and cosign it as a witness.
/// </summary>
/// <remarks>Exit status: 0 verified, 1 verification failed (the message names the first failing entry or the checkpoint), 2 usage or bad input.</remarks>
public static partial class LedgerCommands
{
    // Keys (name+id+key) and messages read as written: '+' and apostrophes stay as they are.
    private static readonly JsonSerializerOptions JsonOutput = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Creates the <c>ledger</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var ledger = new Command("ledger", "Verify, export and cosign an agreement's ledger (RFC 9162 Merkle log, signed checkpoints, C2SP tlog-tiles and tlog-cosignature).");
        ledger.Subcommands.Add(Verify(console));
        ledger.Subcommands.Add(Export(console));
        ledger.Subcommands.Add(WitnessKey(console));
        ledger.Subcommands.Add(Cosign(console));
        return ledger;
    }

    private static Option<Uri?> ServerOption() => new("--server")
    {
        Description = $"Server address (env PARLEY_SERVER; default {ClientOptions.DefaultServer}).",
        HelpName = "URL",
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"--server: '{text}' is not an http:// or https:// URL");
            return null;
        },
    };

    private static Option<string> AgreementOption() => new("--agreement")
    {
        Description = "Agreement id (env PARLEY_AGREEMENT).",
        HelpName = "A",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PARLEY_AGREEMENT") is { Length: > 0 } a ? a : ClientOptions.DefaultAgreement,
    };

    private static Option<string?> TokenOption() => new("--token")
    {
        Description = "Bearer token (default: env PARLEY_TOKEN; 'parley token' prints one).",
        HelpName = "T",
    };

    private static Command Verify(CliConsole console)
    {
        var server = ServerOption();
        var agreement = AgreementOption();
        var token = TokenOption();
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Audit a folder written by 'parley ledger export' instead of a server.", HelpName = "DIR" };
        var key = new Option<string>("--key")
        {
            Description = "The center's verifier key for this agreement (vkey text, or a file holding it). Get it out of band.",
            HelpName = "VKEY",
            Required = true,
        };
        var state = new Option<FileInfo?>("--state")
        {
            Description = "File keeping the last verified checkpoint: the new one must be consistent with it; saved on success.",
            HelpName = "FILE",
        };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var command = new Command("verify",
            "Verify the ledger: the checkpoint's signature, consistency with the last verified checkpoint, every entry's inclusion, " +
            "the commitments you may open, and the replay against the state the server reports.")
        {
            server, agreement, token, dir, key, state, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var folder = parsed.GetValue(dir);
            if (folder is not null && parsed.GetResult(server) is not null)
            {
                throw new CliException(ExitCodes.InvalidInput, "give either --server or --dir, not both");
            }

            var vkey = ReadKey(parsed.GetValue(key)!);
            string? statePath = parsed.GetValue(state)?.FullName;
            bool asJson = parsed.GetValue(json);
            var progress = new ProgressLine(console.Error);
            try
            {
                AuditReport report;
                if (folder is not null)
                {
                    report = await new FolderAudit(folder.FullName, vkey, statePath, console.Error, progress).RunAsync(cancellationToken);
                }
                else
                {
                    string bearer = Token(parsed.GetResult(token) is null ? null : parsed.GetValue(token));
                    using var client = new LedgerClient(ServerUrl(parsed.GetValue(server)), parsed.GetValue(agreement)!, bearer);
                    report = await new ServerAudit(client, vkey, statePath, PartyOf(bearer), progress).RunAsync(cancellationToken);
                }

                if (statePath is not null)
                {
                    StateFile.Save(statePath, report.Checkpoint);
                }

                await WriteReportAsync(console, report, asJson);
                return ExitCodes.Ok;
            }
            catch (VerificationFailedException e)
            {
                await console.Error.WriteLineAsync($"parley: verification failed: {e.Message}");
                if (asJson)
                {
                    var failure = new JsonObject { ["verified"] = false, ["failure"] = e.Message, ["entry"] = e.Entry };
                    await console.Out.WriteLineAsync(failure.ToJsonString(JsonOutput));
                }

                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var server = ServerOption();
        var agreement = AgreementOption();
        var token = TokenOption();
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Folder to write the checkpoint, vkey and tile/ tree into (created if missing)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var command = new Command("export",
            "Write the latest checkpoint, its hash tiles and entry bundles (C2SP tlog-tiles layout), the openings the caller may see " +
            "(openings.jsonl) and the center's vkey into DIR, for 'parley ledger verify --dir' and 'parley report compliance --ledger' with no server.")
        {
            dir, server, agreement, token, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string bearer = Token(parsed.GetResult(token) is null ? null : parsed.GetValue(token));
            string directory = parsed.GetValue(dir)!.FullName;
            using var client = new LedgerClient(ServerUrl(parsed.GetValue(server)), parsed.GetValue(agreement)!, bearer);
            var (checkpoint, hashTiles, bundles, openings) = await LedgerExport.RunAsync(client, directory, new ProgressLine(console.Error), cancellationToken);
            if (parsed.GetValue(json))
            {
                await console.Out.WriteLineAsync(new JsonObject
                {
                    ["directory"] = directory, ["origin"] = checkpoint.Origin, ["size"] = checkpoint.Size,
                    ["root"] = Convert.ToBase64String(checkpoint.RootHash), ["hash_tiles"] = hashTiles, ["entry_bundles"] = bundles, ["openings"] = openings,
                }.ToJsonString(JsonOutput));
            }
            else
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Exported {checkpoint.Origin} at size {checkpoint.Size:N0} (root {Convert.ToBase64String(checkpoint.RootHash)}) to {directory}: " +
                    $"{hashTiles:N0} hash tile{(hashTiles == 1 ? "" : "s")}, {bundles:N0} entry bundle{(bundles == 1 ? "" : "s")}, " +
                    $"{openings:N0} opening{(openings == 1 ? "" : "s")} you may see, checkpoint and vkey."));
                await console.Out.WriteLineAsync($"Audit it offline with: parley ledger verify --dir {directory} --key VKEY");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteReportAsync(CliConsole console, AuditReport report, bool asJson)
    {
        var checkpoint = report.Checkpoint;
        if (asJson)
        {
            var result = new JsonObject
            {
                ["verified"] = true,
                ["source"] = report.Source,
                ["origin"] = checkpoint.Body.Origin,
                ["size"] = checkpoint.Size,
                ["root"] = checkpoint.Root,
                ["key"] = $"{report.Key.Name}+{report.Key.KeyId:x8}",
                ["previous"] = report.Previous is { } p ? new JsonObject { ["size"] = p.Size, ["root"] = p.Root } : null,
                ["entries"] = report.Entries,
                ["entry_bundles"] = report.EntryBundles,
                ["hash_tiles"] = report.HashTiles,
                ["inclusion_proofs"] = report.InclusionProofs,
                ["openings"] = report.Openings,
                ["zones"] = report.Zones,
                ["operations"] = report.Operations,
                ["state_not_compared"] = report.StateNotCompared,
                ["state_file"] = report.StateFile,
            };
            await console.Out.WriteLineAsync(result.ToJsonString(JsonOutput));
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Ledger {checkpoint.Body.Origin} verified at size {checkpoint.Size:N0}, root {checkpoint.Root}").AppendLine();
        AppendProvenance(text, report, "no checkpoint verified before" + (report.StateFile is null ? " (no --state file)" : ""));
        text.Append(CultureInfo.InvariantCulture, $"  entries      {report.Entries:N0} rebuild the checkpoint's root ({Render.Count(report.EntryBundles, "entry bundle")} and {Render.Count(report.HashTiles, "hash tile")} checked)").AppendLine();
        if (report.InclusionProofs > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  proofs       {report.InclusionProofs:N0} inclusion proofs from the server verify").AppendLine();
        }

        text.Append(CultureInfo.InvariantCulture, $"  openings     {report.Openings:N0} match their commitments and replay").AppendLine();
        text.Append("  state        ").AppendLine(report.Zones is { } zones && report.Operations is { } operations
            ? string.Create(CultureInfo.InvariantCulture, $"the {Render.Count(zones, "zone")} and {Render.Count(operations, "operation")} the server reports to you match the replay")
            : $"not compared: {report.StateNotCompared}");
        if (report.StateFile is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  saved        {report.StateFile}").AppendLine();
        }

        await console.Out.WriteAsync(text.ToString());
    }

    /// <summary>Where the checkpoint came from, whose signature it bears, and how it relates to the one verified before.</summary>
    private static void AppendProvenance(StringBuilder text, AuditReport report, string noPrevious)
    {
        var checkpoint = report.Checkpoint;
        text.Append(CultureInfo.InvariantCulture, $"  source       {report.Source}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  signature    valid, key {report.Key.Name}+{report.Key.KeyId:x8}").AppendLine();
        text.Append("  consistency  ").AppendLine(report.Previous is { } previous
            ? previous.Size == checkpoint.Size
                ? $"same checkpoint as the one verified before ({previous.Describe()})"
                : $"extends the checkpoint verified before ({previous.Describe()})"
            : noPrevious);
    }

    /// <summary>A vkey given as text or as a file holding it.</summary>
    private static VerifierKey ReadKey(string value)
    {
        string text = value;
        if (File.Exists(value))
        {
            try
            {
                text = File.ReadAllText(value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--key {value}: {e.Message}");
            }
        }

        try
        {
            return VerifierKey.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--key: {e.Message}");
        }
    }

    private static Uri ServerUrl(Uri? given) =>
        given ?? new Uri(Environment.GetEnvironmentVariable("PARLEY_SERVER") is { Length: > 0 } s ? s : ClientOptions.DefaultServer);

    private static string Token(string? given)
    {
        string? token = given ?? Environment.GetEnvironmentVariable("PARLEY_TOKEN");
        return string.IsNullOrWhiteSpace(token)
            ? throw new CliException(ExitCodes.InvalidInput, "no token: pass --token or set PARLEY_TOKEN ('parley token --agreement A --party P --role monitor' prints one)")
            : token.Trim();
    }

    /// <summary>The party a bearer token names (its <c>sub</c> claim): whose view of the state is replayed.</summary>
    private static PartyId PartyOf(string token)
    {
        var parts = token.Split('.');
        if (parts.Length == 3)
        {
            try
            {
                string payload = parts[1].Replace('-', '+').Replace('_', '/');
                payload += new string('=', (4 - (payload.Length % 4)) % 4);
                using var document = JsonDocument.Parse(Convert.FromBase64String(payload));
                if (document.RootElement.TryGetProperty("sub", out var sub) && sub.GetString() is { Length: > 0 } party)
                {
                    return new PartyId(party);
                }
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
            {
                // Falls through to the refusal below.
            }
        }

        throw new CliException(ExitCodes.InvalidInput, "--token: not a Parley bearer token (a JWT naming a party)");
    }
}
