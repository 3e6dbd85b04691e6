using System.CommandLine;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Configuration;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley keygen</c>: makes a party's submission key (Ed25519), or exports the embedded server's development key for a party.</summary>
public static class KeygenCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var output = new Option<FileInfo>("--out") { Description = "Where to write the private key (PKCS#8 PEM, owner-only); never overwritten.", Required = true, HelpName = "FILE" };
        var development = new Option<bool>("--development") { Description = "Export the key the embedded server on --data holds for --party (parties with no signing_keys in the agreement)." };
        var data = new Option<string>("--data") { Description = "Data folder of the embedded server (with --development).", DefaultValueFactory = _ => new ParleyServerOptions().DataDirectory, HelpName = "DIR" };
        var agreement = new Option<string?>("--agreement") { Description = "Agreement id (with --development).", HelpName = "A" };
        var party = new Option<string?>("--party") { Description = "Party id (with --development).", HelpName = "P" };
        var command = new Command("keygen", "Make a submission key: writes the private key to a file and prints the public key for the agreement's signing_keys.")
        {
            output, development, data, agreement, party,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var file = parsed.GetValue(output)!;
            if (file.Exists)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--out: {file.FullName} exists already; a key file is never overwritten");
            }

            SubmissionKey key;
            if (parsed.GetValue(development))
            {
                string? a = parsed.GetValue(agreement), p = parsed.GetValue(party);
                if (string.IsNullOrWhiteSpace(a) || string.IsNullOrWhiteSpace(p))
                {
                    throw new CliException(ExitCodes.InvalidInput, "--development needs --agreement and --party");
                }

                key = DevelopmentKeys.For(parsed.GetValue(data)!, a, p);
            }
            else
            {
                key = SubmissionKey.Create();
            }

            using (key)
            {
                file.Directory?.Create();
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using (var stream = new FileStream(file.FullName, options))
                await using (var writer = new StreamWriter(stream))
                {
                    await writer.WriteAsync(key.ToPem());
                }

                await console.Out.WriteLineAsync(key.PublicKey);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
