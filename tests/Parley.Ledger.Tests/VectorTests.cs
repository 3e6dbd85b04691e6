using System.Text.Json;

namespace Parley.Ledger.Tests;

/// <summary>
/// The RFC 6962 proof vectors of the transparency-dev/merkle project, kept in the repository under
/// <c>tests/vectors/rfc6962</c>: accept exactly the cases without wantErr.
/// </summary>
public sealed class VectorTests
{
    private static readonly string Root = VectorRoot();

    private static string VectorRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "vectors", "rfc6962", "testdata");
            }
        }

        throw new DirectoryNotFoundException("the repository root (Parley.slnx) was not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Files(string kind) =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, kind), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> InclusionFiles() => Files("inclusion");

    public static TheoryData<string> ConsistencyFiles() => Files("consistency");

    [Theory]
    [MemberData(nameof(InclusionFiles))]
    public void inclusion_vectors_are_accepted_exactly_when_they_are_valid(string file)
    {
        var v = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file))).RootElement;
        bool wantErr = v.GetProperty("wantErr").GetBoolean();
        var proof = Hashes(v.GetProperty("proof"));
        var error = Record.Exception(() => ProofVerifier.VerifyInclusion(
            v.GetProperty("leafIdx").GetUInt64(), v.GetProperty("treeSize").GetUInt64(),
            Bytes(v.GetProperty("leafHash")), proof, Bytes(v.GetProperty("root"))));
        Assert.True(wantErr == error is not null, $"{file}: {v.GetProperty("desc").GetString()} — {(error?.Message ?? "accepted")}");
        if (error is not null)
        {
            Assert.IsType<ProofException>(error);
        }
    }

    [Theory]
    [MemberData(nameof(ConsistencyFiles))]
    public void consistency_vectors_are_accepted_exactly_when_they_are_valid(string file)
    {
        var v = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file))).RootElement;
        bool wantErr = v.GetProperty("wantErr").GetBoolean();
        var error = Record.Exception(() => ProofVerifier.VerifyConsistency(
            v.GetProperty("size1").GetUInt64(), v.GetProperty("size2").GetUInt64(),
            Bytes(v.GetProperty("root1")), Bytes(v.GetProperty("root2")), Hashes(v.GetProperty("proof"))));
        Assert.True(wantErr == error is not null, $"{file}: {v.GetProperty("desc").GetString()} — {(error?.Message ?? "accepted")}");
        if (error is not null)
        {
            Assert.IsType<ProofException>(error);
        }
    }

    private static byte[] Bytes(JsonElement e) => e.ValueKind == JsonValueKind.Null ? [] : Convert.FromBase64String(e.GetString()!);

    private static List<byte[]> Hashes(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null ? [] : [.. e.EnumerateArray().Select(Bytes)];
}
