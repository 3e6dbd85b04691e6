using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests.Bugs;

/// <summary>
/// <c>parley migrate</c> (and <c>serve</c> at start-up) against a database it could not reach died with an unhandled
/// NpgsqlException and its stack trace. A store error now ends the command with status 1 and one line,
/// <c>parley: the store failed: …</c>, whose driver message names the host and never the password.
/// </summary>
public sealed class Bug_an_unreachable_store_ended_the_command_with_a_stack_trace
{
    [Fact]
    public async Task Migrate_against_an_unreachable_database_fails_with_status_1_and_a_line_that_keeps_the_password()
    {
        var result = await InProcess.RunAsync("migrate", "--store", "postgres", "--connection", "Host=127.0.0.1;Port=1;Username=parley;Password=hunter2-secret;Timeout=5");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("parley: the store failed:", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }
}
