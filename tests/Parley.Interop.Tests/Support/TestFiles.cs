using System.Text.Json;
using Parley.Interop.Import;

namespace Parley.Interop.Tests.Support;

/// <summary>The test files copied into the repository, and the shared interop folder beside the repository when it is there.</summary>
internal static class TestFiles
{
    public static string Path(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, "Files", relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path(relative));

    /// <summary>The shared interop folder (env PARLEY_INTEROP_SHARED, else <c>../shared/interop</c> from the repository root), or null.</summary>
    public static string? Shared()
    {
        if (Environment.GetEnvironmentVariable("PARLEY_INTEROP_SHARED") is { Length: > 0 } configured && Directory.Exists(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Parley.slnx")))
            {
                string shared = System.IO.Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared", "interop");
                return Directory.Exists(shared) ? shared : null;
            }
        }

        return null;
    }

    /// <summary>The shared interop folder, or the test is skipped with a message saying what is missing.</summary>
    public static string SharedOrSkip(string what)
    {
        var shared = Shared();
        if (shared is null)
        {
            Assert.Skip($"{what} is read from ../shared/interop (its licence text is not kept in the repository), which is absent here");
        }

        return shared!;
    }

    public static ImportOptions Options(bool skipInvalid = false, double groundMetres = 0) => new()
    {
        DefaultStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        SkipInvalid = skipInvalid,
        GroundMetres = groundMetres,
    };

    /// <summary>The features of an import, parsed.</summary>
    public static List<JsonElement> Features(ImportResult result) =>
        [.. result.Features.Select(f => JsonDocument.Parse(f.Utf8).RootElement.Clone())];
}
