using System.Text.Json;

namespace Parley.Server.Tests;

/// <summary>Checks that an answer is an RFC 9457 problem document.</summary>
internal static class Problem
{
    /// <summary>Asserts a 4xx problem document whose <c>status</c> is the HTTP status; returns it.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, int? expectedStatus = null)
    {
        int status = (int)response.StatusCode;
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expectedStatus is null ? status is >= 400 and < 500 : status == expectedStatus,
            $"expected {(expectedStatus is null ? "a 4xx" : expectedStatus)}, got {status}: {body[..Math.Min(body.Length, 300)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>The field named by the first error of a 400 input problem.</summary>
    public static string? FirstField(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors[0].GetProperty("field").GetString() : null;
}
