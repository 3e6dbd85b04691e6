namespace Parley.Cli.Terminal;

/// <summary>The exit statuses of <c>parley</c>.</summary>
public static class ExitCodes
{
    /// <summary>The command ran (for <c>check</c>: whether or not conflicts were found).</summary>
    public const int Ok = 0;

    /// <summary>Something failed that is not the caller's input: the server is unreachable, an I/O error, a server error.</summary>
    public const int Failure = 1;

    /// <summary>Bad input or usage: an unknown option, a malformed or invalid file, a request the server refused (4xx).</summary>
    public const int InvalidInput = 2;
}

/// <summary>A failure with a one-line message for standard error and an exit status.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    /// <summary>The exit status to end with.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>Whether the failure may pass on its own (no answer, a timeout, a gateway error): a write may be retried.</summary>
    public bool Transient { get; set; }

    /// <summary>How long the server asked to wait before a retry (<c>Retry-After</c> on 429 or 503), if it said.</summary>
    public TimeSpan? RetryAfter { get; set; }
}
