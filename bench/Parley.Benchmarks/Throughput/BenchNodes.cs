using System.Diagnostics;
using System.Text;
using Npgsql;
using Parley.Server.Security;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// <c>parley serve</c> processes, each on a loopback port and a data folder of its own, against one fresh database of
/// a throwaway PostgreSQL cluster: one agreement file, the same secrets (token key, development submission key,
/// ledger key, center secret), so that a token and a signature are good on every node.
/// </summary>
internal sealed class BenchNodes : BenchTarget
{
    private static readonly string[] SharedSecrets = ["token-signing-key.pem", "development-submission.key", "ledger-signing.key", "center-secret.key"];

    private readonly string _root;
    private readonly IReadOnlyList<NodeProcess> _nodes;

    private BenchNodes(string root, IReadOnlyList<NodeProcess> nodes)
        : base(Path.Combine(root, "node0"), [.. nodes.Select(n => n.Address)])
    {
        _root = root;
        _nodes = nodes;
    }

    public override string Label => $"http, postgres, {_nodes.Count} node{(_nodes.Count == 1 ? "" : "s")}";

    public override IReadOnlyList<Process> Processes => [.. _nodes.Select(n => n.Process)];

    /// <summary>Creates database <paramref name="database"/> in <paramref name="cluster"/> and starts <paramref name="count"/> nodes on it.</summary>
    public static async Task<BenchNodes> StartAsync(PostgresCluster cluster, string database, int count)
    {
        await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={cluster.Port};Username=postgres;Database=postgres;Timeout=60"))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database};", connection);
            await create.ExecuteNonQueryAsync();
        }

        string connectionString = $"Host=127.0.0.1;Port={cluster.Port};Username=postgres;Database={database};Timeout=60";
        string root = Directory.CreateTempSubdirectory("parley-bench-nodes-").FullName;
        string agreementFile = Path.Combine(root, "agreement.json");
        await File.WriteAllTextAsync(agreementFile, DecisionWorkload.AgreementText);
        var nodes = new List<NodeProcess>();
        try
        {
            // The first node creates the token key, ledger key and center secret as it starts (and the schema); the
            // development submission key is made on first use, so it is made here. The others start with copies.
            string first = Path.Combine(root, "node0");
            Directory.CreateDirectory(first);
            DevelopmentKeys.For(first, DecisionWorkload.AgreementId, DecisionWorkload.Parties[0]).Dispose();
            Console.Error.WriteLine($"starting {count} parley serve process{(count == 1 ? "" : "es")} on database {database}");
            nodes.Add(await NodeProcess.StartAsync("node 0", connectionString, first, agreementFile));
            var folders = Enumerable.Range(1, count - 1).Select(i => Path.Combine(root, $"node{i}")).ToList();
            foreach (var folder in folders)
            {
                Directory.CreateDirectory(folder);
                foreach (var secret in SharedSecrets)
                {
                    File.Copy(Path.Combine(first, secret), Path.Combine(folder, secret));
                }
            }

            nodes.AddRange(await Task.WhenAll(folders.Select((folder, i) => NodeProcess.StartAsync($"node {i + 1}", connectionString, folder, agreementFile))));
            Console.Error.WriteLine($"  listening on {string.Join(", ", nodes.Select(n => n.Address))}");
            return new BenchNodes(root, nodes);
        }
        catch
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node.Errors.Count > 0)
            {
                Console.Error.WriteLine($"  {node.Name} logged {node.Errors.Count} errors, the first: {node.Errors[0]}");
            }

            node.Dispose();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // The temporary folder is left for the OS to clean.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>One <c>dotnet parley.dll serve</c> child process; its output drained, its errors kept.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly List<string> _errors = [];

        private NodeProcess(string name, Process process)
        {
            Name = name;
            Process = process;
        }

        public string Name { get; }

        public Process Process { get; }

        public Uri Address { get; private set; } = null!;

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        public static async Task<NodeProcess> StartAsync(string name, string connectionString, string dataDirectory, string agreementFile)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };
            foreach (var arg in (string[])[Dll, "serve", "--store", "postgres", "--connection", connectionString, "--urls", "http://127.0.0.1:0", "--rate-limit", "0", "--quiet",
                "--data", dataDirectory, "--agreement", agreementFile])
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            var node = new NodeProcess(name, Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"));
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var startup = new StringBuilder();
            void Line(string? line)
            {
                if (line is null)
                {
                    listening.TrySetException(new InvalidOperationException($"{name} ended before it listened:\n{startup}"));
                    return;
                }

                if (!listening.Task.IsCompleted)
                {
                    startup.AppendLine(line);
                }

                if (line.StartsWith("Parley listening on ", StringComparison.Ordinal))
                {
                    listening.TrySetResult(new Uri(line["Parley listening on ".Length..].Trim()));
                }
                else if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("Exception: ", StringComparison.Ordinal))
                {
                    lock (node._errors)
                    {
                        node._errors.Add(Summary(line));
                    }
                }
            }

            node.Process.OutputDataReceived += (_, e) => Line(e.Data);
            node.Process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    Line(e.Data);
                }
            };
            node.Process.BeginOutputReadLine();
            node.Process.BeginErrorReadLine();
            try
            {
                node.Address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
                return node;
            }
            catch
            {
                node.Dispose();
                throw;
            }
        }

        // An error's first line: the exception's type and message, without the stack.
        private static string Summary(string line)
        {
            int exception = line.IndexOf("Exception: ", StringComparison.Ordinal);
            if (exception < 0)
            {
                return line.Length > 300 ? line[..300] + "…" : line;
            }

            int start = line.LastIndexOf(' ', exception) + 1;
            int end = line.IndexOf("   at ", exception, StringComparison.Ordinal);
            return line[start..(end < 0 ? line.Length : end)].Trim();
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }

            Process.Dispose();
        }

        private static string Dll
        {
            get
            {
                string beside = Path.Combine(AppContext.BaseDirectory, "parley.dll");
                return File.Exists(beside) ? beside : throw new FileNotFoundException($"parley.dll is not beside the benchmarks ({AppContext.BaseDirectory}): build bench/Parley.Benchmarks");
            }
        }
    }
}
