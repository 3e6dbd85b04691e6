using System.CommandLine;

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

    private readonly Option<bool> _json = new("--json") { Description = "Print the server's JSON answer instead of a table." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public Command AddTo(Command command)
    {
        command.Options.Add(_server);
        command.Options.Add(_agreement);
        command.Options.Add(_token);
        command.Options.Add(_json);
        return command;
    }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json(ParseResult parsed) => parsed.GetValue(_json);

    /// <summary>A client for the parsed server, agreement and token.</summary>
    public ParleyClient Connect(ParseResult parsed)
    {
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

        return new ParleyClient(server, agreement, token.Trim());
    }
}
