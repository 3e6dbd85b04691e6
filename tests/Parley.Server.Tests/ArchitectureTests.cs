using System.Reflection;

namespace Parley.Server.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void the_core_references_no_infrastructure()
    {
        var core = typeof(Parley.Core.Conflicts.Theater).Assembly;
        var references = core.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(references, name => Assert.True(
            name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "NetTopologySuite" or "YamlDotNet",
            $"Parley.Core must not reference {name}"));
    }

    [Fact]
    public void storage_and_interop_depend_on_the_core_only_and_the_server_on_core_interop_ledger_and_storage()
    {
        static string[] Parley(Assembly a) => [.. a.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n.StartsWith("Parley", StringComparison.Ordinal)).Order()];

        Assert.Equal(["Parley.Core"], Parley(typeof(Parley.Storage.Sqlite.SqliteStore).Assembly));
        Assert.Equal(["Parley.Core", "Parley.Interop", "Parley.Ledger", "Parley.Storage"], Parley(typeof(ParleyApp).Assembly));
        Assert.Equal(["Parley.Core"], Parley(typeof(Parley.Interop.Import.ZoneImporter).Assembly));
        Assert.Empty(Parley(typeof(Parley.Ledger.MerkleTree).Assembly));
    }

    [Fact]
    public void the_core_reads_no_clock()
    {
        // Time is passed in: no member of the core calls DateTime.Now/UtcNow or DateTimeOffset.Now/UtcNow.
        var core = typeof(Parley.Core.Conflicts.Theater).Assembly;
        var forbidden = new[]
        {
            typeof(DateTime).GetProperty(nameof(DateTime.Now))!.GetMethod!, typeof(DateTime).GetProperty(nameof(DateTime.UtcNow))!.GetMethod!,
            typeof(DateTimeOffset).GetProperty(nameof(DateTimeOffset.Now))!.GetMethod!, typeof(DateTimeOffset).GetProperty(nameof(DateTimeOffset.UtcNow))!.GetMethod!,
        };
        var offenders = new List<string>();
        foreach (var type in core.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var body = method.GetMethodBody()?.GetILAsByteArray();
                if (body is null)
                {
                    continue;
                }

                // call/callvirt opcodes followed by a metadata token.
                for (int i = 0; i + 4 < body.Length; i++)
                {
                    if (body[i] is 0x28 or 0x6F)
                    {
                        int token = BitConverter.ToInt32(body, i + 1);
                        try
                        {
                            if (method.Module.ResolveMethod(token) is { } called && forbidden.Contains(called))
                            {
                                offenders.Add($"{type.FullName}.{method.Name}");
                            }
                        }
                        catch (ArgumentException)
                        {
                            // Not a method token at this offset.
                        }
                    }
                }
            }
        }

        Assert.Empty(offenders);
    }
}
