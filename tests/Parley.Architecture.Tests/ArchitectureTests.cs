using System.Reflection;

namespace Parley.Architecture.Tests;

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

    // What each project may use of Parley's own, lowest first: a project never reaches up or sideways.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Parley.Core"] = [],
        ["Parley.Ledger"] = [],
        ["Parley.Ledger.Entries"] = ["Parley.Core", "Parley.Ledger"],
        ["Parley.Storage"] = ["Parley.Core"],
        ["Parley.Interop"] = ["Parley.Core"],
        ["Parley.Server"] = ["Parley.Core", "Parley.Interop", "Parley.Ledger", "Parley.Ledger.Entries", "Parley.Storage"],
        ["parley"] = ["Parley.Core", "Parley.Interop", "Parley.Ledger", "Parley.Ledger.Entries", "Parley.Storage", "Parley.Server"],
        ["Parley.Benchmarks"] = ["Parley.Core", "Parley.Interop", "Parley.Ledger", "Parley.Ledger.Entries", "Parley.Storage", "Parley.Server", "parley"],
    };

    // The project file of each assembly, from the repository root.
    private static readonly Dictionary<string, string> ProjectFiles = new()
    {
        ["Parley.Core"] = "src/Parley.Core/Parley.Core.csproj",
        ["Parley.Ledger"] = "src/Parley.Ledger/Parley.Ledger.csproj",
        ["Parley.Ledger.Entries"] = "src/Parley.Ledger.Entries/Parley.Ledger.Entries.csproj",
        ["Parley.Storage"] = "src/Parley.Storage/Parley.Storage.csproj",
        ["Parley.Interop"] = "src/Parley.Interop/Parley.Interop.csproj",
        ["Parley.Server"] = "src/Parley.Server/Parley.Server.csproj",
        ["parley"] = "src/Parley.Cli/Parley.Cli.csproj",
        ["Parley.Benchmarks"] = "bench/Parley.Benchmarks/Parley.Benchmarks.csproj",
    };

    private static readonly string[] Sources = ["Parley.Core", "Parley.Ledger", "Parley.Ledger.Entries", "Parley.Storage", "Parley.Interop", "Parley.Server", "parley"];

    public static TheoryData<string> Projects => [.. Allowed.Keys];

    public static TheoryData<string> SourceProjects => [.. Sources];

    private static Assembly Load(string name) => Assembly.Load(name);

    private static string[] ParleyReferences(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(r => r.Name!).Where(n => Allowed.ContainsKey(n)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Projects))]
    public void a_project_uses_only_the_projects_below_it(string project)
    {
        var used = ParleyReferences(Load(project));
        Assert.True(used.All(Allowed[project].Contains), $"{project} uses {string.Join(", ", used.Except(Allowed[project]))}, which it may not");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void a_project_declares_every_project_it_uses(string project)
    {
        var file = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryRoot(), ProjectFiles[project]));
        var declared = file.Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!))
            .Select(name => name == "Parley.Cli" ? "parley" : name)
            .ToHashSet(StringComparer.Ordinal);
        var undeclared = ParleyReferences(Load(project)).Where(used => !declared.Contains(used)).ToList();
        Assert.True(undeclared.Count == 0, $"{ProjectFiles[project]} uses {string.Join(", ", undeclared)} without a ProjectReference to it");
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void no_namespace_of_a_project_depends_on_one_that_depends_back_on_it(string project)
    {
        var assembly = Load(project);
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var because = new Dictionary<(string From, string To), string>();
        foreach (var type in assembly.GetTypes())
        {
            string from = References.NamespaceOf(type);
            var targets = edges.TryGetValue(from, out var set) ? set : edges[from] = new HashSet<string>(StringComparer.Ordinal);
            // Types the compiler makes for collection expressions and the like live outside any namespace: not Parley's.
            foreach (var used in References.Of(type).Where(t => t.Assembly == assembly && !IsCompilerMade(t)))
            {
                string to = References.NamespaceOf(used);
                if (to != from && targets.Add(to))
                {
                    because[(from, to)] = $"{type.Name} → {used.Name}";
                }
            }
        }

        var cycles = StronglyConnected(edges).Where(c => c.Count > 1).Select(c =>
        {
            var members = c.ToHashSet(StringComparer.Ordinal);
            var inside = because.Where(e => members.Contains(e.Key.From) && members.Contains(e.Key.To))
                .Select(e => $"  {e.Key.From} → {e.Key.To} ({e.Value})").Order(StringComparer.Ordinal);
            return $"{string.Join(" ↔ ", c.Order(StringComparer.Ordinal))}:\n{string.Join("\n", inside)}";
        }).ToList();
        Assert.True(cycles.Count == 0, $"namespaces of {project} in a cycle: {string.Join("\n", cycles)}");
    }

    [Fact]
    public void the_cli_verifies_a_ledger_without_the_server()
    {
        var server = Load("Parley.Server");
        var offenders = Load("parley").GetTypes()
            .Where(t => References.NamespaceOf(t) == "Parley.Cli.Ledger")
            .SelectMany(t => References.Of(t).Where(used => used.Assembly == server).Select(used => $"{t.Name} uses {used.FullName}"))
            .ToList();
        Assert.Empty(offenders);
    }

    private static bool IsCompilerMade(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type.Name.StartsWith('<');
    }

    /// <summary>Tarjan's strongly connected components of a graph given as adjacency sets.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();
        int next = 0;

        void Visit(string node)
        {
            index[node] = low[node] = next++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var target in edges.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(target))
                {
                    Visit(target);
                    low[node] = Math.Min(low[node], low[target]);
                }
                else if (onStack.Contains(target))
                {
                    low[node] = Math.Min(low[node], index[target]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string popped;
                do
                {
                    popped = stack.Pop();
                    onStack.Remove(popped);
                    component.Add(popped);
                }
                while (popped != node);
                components.Add(component);
            }
        }

        foreach (var node in edges.Keys.ToList())
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Parley.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("the tests run outside the repository: Parley.slnx not found above " + AppContext.BaseDirectory);
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
