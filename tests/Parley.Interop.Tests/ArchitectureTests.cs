using System.Reflection;
using Parley.Interop.Import;

namespace Parley.Interop.Tests;

/// <summary>The format code stays pure: it references the core only, reads no clock and opens no file or socket.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Interop = typeof(ZoneImporter).Assembly;

    [Fact]
    public void interop_references_the_core_and_no_infrastructure()
    {
        var references = Interop.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(references, name => Assert.True(
            name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "NetTopologySuite" or "Parley.Core",
            $"Parley.Interop must not reference {name}"));
        Assert.Contains("Parley.Core", references);
    }

    [Fact]
    public void interop_reads_no_clock_and_opens_no_file_or_socket()
    {
        var forbidden = new HashSet<MethodBase>
        {
            typeof(DateTime).GetProperty(nameof(DateTime.Now))!.GetMethod!, typeof(DateTime).GetProperty(nameof(DateTime.UtcNow))!.GetMethod!,
            typeof(DateTimeOffset).GetProperty(nameof(DateTimeOffset.Now))!.GetMethod!, typeof(DateTimeOffset).GetProperty(nameof(DateTimeOffset.UtcNow))!.GetMethod!,
        };
        var offenders = new List<string>();
        foreach (var type in Interop.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var body = method.GetMethodBody()?.GetILAsByteArray();
                for (int i = 0; body is not null && i + 4 < body.Length; i++)
                {
                    if (body[i] is not (0x28 or 0x6F or 0x73))
                    {
                        continue;
                    }

                    try
                    {
                        if (method.Module.ResolveMethod(BitConverter.ToInt32(body, i + 1)) is { } called &&
                            (forbidden.Contains(called) || called.DeclaringType?.Namespace is "System.IO" && called.DeclaringType != typeof(MemoryStream) && called.DeclaringType != typeof(Stream) && called.DeclaringType != typeof(TextWriter) && called.DeclaringType != typeof(TextReader) && called.DeclaringType != typeof(StringWriter) && called.DeclaringType != typeof(StringReader) ||
                             called.DeclaringType?.Namespace?.StartsWith("System.Net", StringComparison.Ordinal) == true))
                        {
                            offenders.Add($"{type.FullName}.{method.Name} calls {called.DeclaringType?.Name}.{called.Name}");
                        }
                    }
                    catch (ArgumentException)
                    {
                        // Not a method token at this offset.
                    }
                }
            }
        }

        Assert.Empty(offenders);
    }
}
