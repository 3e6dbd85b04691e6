using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Server.Tests;

/// <summary>The OpenAPI document is part of the contract: it is checked in and must match what the server serves.</summary>
public sealed class OpenApiDocumentTests
{
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new DirectoryNotFoundException("the repository root (Parley.slnx) was not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task the_served_openapi_document_matches_the_checked_in_one()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = server.Client();
        var served = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken))!;
        string pretty = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        string path = RepositoryFile("docs/openapi.json");

        // After an intended API change: PARLEY_UPDATE_OPENAPI=1 ./scripts/test.sh, then review the diff.
        if (Environment.GetEnvironmentVariable("PARLEY_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, pretty, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(path), "docs/openapi.json is missing: run the tests once with PARLEY_UPDATE_OPENAPI=1");
        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.True(JsonNode.DeepEquals(served, checkedIn), "the API changed: run the tests with PARLEY_UPDATE_OPENAPI=1 and commit docs/openapi.json");
    }
}
