using System.CommandLine;
using Parley.Cli.Terminal;

namespace Parley.Cli.Client;

/// <summary>The options every command that talks to a server shares: where, which agreement, which token, and <c>--json</c>.</summary>
internal sealed class ClientOptions
{
    /// <summary>Default server address when neither <c>--server</c> nor <c>PARLEY_SERVER</c> is given.</summary>
    public const string DefaultServer = "http://127.0.0.1:5080";

    /// <summary>Default agreement when neither <c>--agreement</c> nor <c>PARLEY_AGREEMENT</c> is given.</summary>
    public const string DefaultAgreement = "demo";

    private readonly Option<Uri> _server = new("--server")
    {
        Description = "Server address (env PARLEY_SERVER).",
        HelpName = "URL",
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("PARLEY_SERVER") is { Length: > 0 } s ? s : DefaultServer),
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

    private readonly Option<string> _agreement = new("--agreement")
    {
        Description = "Agreement id (env PARLEY_AGREEMENT).",
        HelpName = "A",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PARLEY_AGREEMENT") is { Length: > 0 } a ? a : DefaultAgreement,
    };

    private readonly Option<string?> _token = new("--token")
    {
        // No default value factory: help would print the token from the environment.
        Description = "Bearer token (default: env PARLEY_TOKEN; 'parley token' prints one).",
        HelpName = "T",
    };

    private readonly Option<FileInfo?> _key = new("--key")
    {
        Description = "The party's submission key file, to sign writes (env PARLEY_KEY; 'parley keygen' makes one).",
        HelpName = "FILE",
    };

    private readonly Option<bool> _json = new("--json") { Description = "Print the server's JSON answer instead of a table." };

    /// <summary>Adds the options to <paramref name="command"/> (and <c>--key</c> when it <paramref name="writes"/>).</summary>
    public Command AddTo(Command command, bool writes = false)
    {
        command.Options.Add(_server);
        command.Options.Add(_agreement);
        command.Options.Add(_token);
        if (writes)
        {
            command.Options.Add(_key);
        }

        command.Options.Add(_json);
        return command;
    }

    /// <summary>Whether <c>--server</c> was given on the command line (not taken from its default or the environment).</summary>
    public bool ServerGiven(ParseResult parsed) => parsed.GetResult(_server) is { Implicit: false };

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json(ParseResult parsed) => parsed.GetValue(_json);

    /// <summary>A client for the parsed server, agreement, token and, when it is to write, submission key.</summary>
    public ParleyClient Connect(ParseResult parsed, bool signs = false)
    {
        var key = signs ? LoadKey(parsed) : null;
        string? token = parsed.GetResult(_token) is null ? Environment.GetEnvironmentVariable("PARLEY_TOKEN") : parsed.GetValue(_token);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new CliException(ExitCodes.InvalidInput, "no token: pass --token or set PARLEY_TOKEN ('parley token --agreement A --party P --role operator' prints one)");
        }

        string agreement = parsed.GetValue(_agreement)!;
        var server = parsed.GetValue(_server)!;
        if (!server.AbsolutePath.EndsWith('/'))
        {
            server = new Uri(server.AbsoluteUri + "/");
        }

        return new ParleyClient(server, agreement, token.Trim(), key);
    }

    private Parley.Server.Security.SubmissionKey LoadKey(ParseResult parsed)
    {
        string? path = parsed.GetValue(_key)?.FullName ?? (Environment.GetEnvironmentVariable("PARLEY_KEY") is { Length: > 0 } k ? k : null);
        if (path is null)
        {
            throw new CliException(ExitCodes.InvalidInput, "no submission key: every write is signed; pass --key or set PARLEY_KEY " +
                "('parley keygen --out FILE' makes one; 'parley keygen --development --agreement A --party P --out FILE' exports the embedded server's key for a party)");
        }

        try
        {
            return Parley.Server.Security.SubmissionKey.FromPem(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--key: {path}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--key: cannot read {path}: {e.Message}");
        }
    }
}
