using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Configuration;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley token</c>: issues a development bearer token that the embedded server on the same data folder accepts.</summary>
/// <remarks>
/// The server accepts development tokens only for parties without an <c>identity</c> in the agreement; a party with
/// one gets its tokens from its own identity provider. This command works offline and cannot tell the two apart.
/// </remarks>
public static class TokenCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var data = new Option<string>("--data") { Description = "Data folder of the server (holds the signing key).", DefaultValueFactory = _ => new ParleyServerOptions().DataDirectory, HelpName = "DIR" };
        var agreement = new Option<string>("--agreement") { Description = "Agreement id the token is for.", Required = true, HelpName = "A" };
        var party = new Option<string>("--party") { Description = "Party id the token names.", Required = true, HelpName = "P" };
        var role = new Option<string>("--role") { Description = "Role the token grants.", Required = true };
        role.AcceptOnlyFromAmong([.. Roles.All]);
        var lifetime = new Option<TimeSpan>("--lifetime")
        {
            Description = "How long the token is valid: e.g. 30m, 12h, 7d.",
            DefaultValueFactory = _ => TimeSpan.FromHours(12),
            CustomParser = ParseLifetime,
            HelpName = "DURATION",
        };

        var command = new Command("token", "Print a development bearer token for a party of an agreement (one line); parties with their own identity provider get tokens from it.") { data, agreement, party, role, lifetime };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string token = TokenKeys.Issue(parsed.GetValue(data)!, parsed.GetValue(agreement)!, parsed.GetValue(party)!,
                parsed.GetValue(role)!, parsed.GetValue(lifetime));
            await console.Out.WriteLineAsync(token);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Parses a duration such as <c>90s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c> or <c>01:30:00</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = default;
        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1]) &&
            double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) &&
            double.IsFinite(amount))
        {
            double seconds = char.ToLowerInvariant(text[^1]) switch
            {
                's' => amount,
                'm' => amount * 60,
                'h' => amount * 3600,
                'd' => amount * 86400,
                _ => double.NaN,
            };
            if (double.IsFinite(seconds) && seconds is > 0 and <= 366 * 86400)
            {
                duration = TimeSpan.FromSeconds(seconds);
                return true;
            }

            return false;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(366);
    }

    private static TimeSpan ParseLifetime(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParseDuration(text, out var duration))
        {
            return duration;
        }

        result.AddError($"--lifetime: '{text}' is not a duration such as 30m, 12h or 7d (at most 366 days)");
        return default;
    }
}
