using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Parley.Server.Security;
using Parley.Storage.Tests.Conformance;

namespace Parley.Server.Tests.MultiNode;

/// <summary>
/// <c>parley serve --log-format json</c>: each log line is one JSON object, and a line written while serving a request
/// carries that request's trace id (the caller's own, when it sent a <c>traceparent</c>), so an operator can go from a
/// log line to its trace.
/// </summary>
[Trait("Lane", "Slow")]
[Collection(nameof(MultiNodeCollection))]
public sealed class JsonLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_warning_logged_while_serving_a_request_is_a_json_line_carrying_its_trace_id()
    {
        using var cluster = await PostgresTestCluster.StartPrivateAsync();
        string connection = new NpgsqlConnectionStringBuilder(await cluster.CreateDatabaseAsync("parley_logs", postgis: true, Ct)) { Timeout = 3, CommandTimeout = 5 }.ConnectionString;
        string data = Directory.CreateTempSubdirectory("parley-json-logs-").FullName;
        try
        {
            string agreement = Path.Combine(data, "agreement.json");
            await File.WriteAllTextAsync(agreement, """{"id":"logged","parties":[{"id":"blue"},{"id":"red"}]}""", Ct);
            await using var node = await ServeProcess.StartAsync("node",
                ["serve", "--store", "postgres", "--connection", connection, "--urls", "http://127.0.0.1:0", "--data", data, "--agreement", agreement, "--log-format", "json"], Ct);

            // The database goes away: a read that needs it is answered 503, and the node logs why, within the request.
            cluster.Kill();
            var trace = ActivityTraceId.CreateRandom();
            var answers = new Contract.AnswerRecorder();
            using var http = Contract.AnswerCheckingHandler.Wrap(answers, SigningHandler.Transport(), node.BaseAddress);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/agreements/logged/probing");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(data, "logged", "blue", Roles.Monitor, TimeSpan.FromHours(1)));
            request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            answers.AssertDescribed();

            string? line = null;
            for (var waited = Stopwatch.StartNew(); line is null && waited.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(50, Ct))
            {
                line = node.Output.FirstOrDefault(l => l.Contains("the store is unavailable", StringComparison.Ordinal));
            }

            Assert.NotNull(line);
            using var entry = JsonDocument.Parse(line);
            var root = entry.RootElement;
            Assert.Equal("Warning", root.GetProperty("LogLevel").GetString());
            Assert.StartsWith("the store is unavailable", root.GetProperty("Message").GetString(), StringComparison.Ordinal);
            Assert.Contains(root.GetProperty("Scopes").EnumerateArray(),
                scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out var id) && id.GetString() == trace.ToString());

            // Every line the node wrote to its log is JSON; none carries the connection string.
            foreach (var logged in node.Output.Where(l => l.StartsWith('{')))
            {
                JsonDocument.Parse(logged).Dispose();
                Assert.DoesNotContain("parley_logs", logged, StringComparison.Ordinal);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }
}
