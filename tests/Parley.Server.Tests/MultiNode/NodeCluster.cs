using Parley.Core.Ports;
using Parley.Server.Security;
using Parley.Storage.Postgres;
using Parley.Storage.Tests.Conformance;

namespace Parley.Server.Tests.MultiNode;

/// <summary>
/// Several <c>parley serve</c> processes, each on a loopback port and a data folder of its own, against one PostgreSQL
/// schema: one agreement file, the same secrets, the same tokens and submission keys. Also the test's own view of
/// that database (<see cref="Store"/>), which no node holds in memory.
/// </summary>
/// <remarks>
/// Nodes must share the data folder's secrets, or each would answer as a different center: the token signing key
/// (tokens issued for one node are accepted by all), the development submission key (a party's signature verifies
/// on every node), the ledger signing key (one checkpoint key per agreement) and the center secret (the same
/// redacted handles from every node). The first node creates them; the others start with copies.
/// </remarks>
internal sealed class NodeCluster : IAsyncDisposable
{
    /// <summary>The data folder files that every node of one center must share.</summary>
    public static readonly string[] SharedSecrets = ["token-signing-key.pem", "development-submission.key", "ledger-signing.key", "center-secret.key"];

    private readonly string _root;
    private readonly List<ServeProcess> _nodes = [];

    private NodeCluster(string root, string connectionString, string agreementId)
    {
        _root = root;
        ConnectionString = connectionString;
        AgreementId = agreementId;
        Store = new PostgresStore(connectionString);
    }

    public string ConnectionString { get; }

    public string AgreementId { get; }

    /// <summary>The nodes, in start order.</summary>
    public IReadOnlyList<ServeProcess> Nodes => _nodes;

    /// <summary>The store as the test reads it, straight from the database.</summary>
    public IParleyStore Store { get; }

    /// <summary>The data folder whose secrets all nodes share (the first node's): tokens and submission keys come from it.</summary>
    public string SecretsDirectory => Path.Combine(_root, "node0");

    /// <summary>Starts <paramref name="count"/> nodes on a fresh schema of the test run's PostgreSQL cluster, all serving <paramref name="agreement"/>.</summary>
    public static async Task<NodeCluster> StartAsync(int count, string agreementId, string agreement, CancellationToken cancellationToken,
        IReadOnlyList<string>? serveOptions = null)
    {
        var postgres = await PostgresTestCluster.SharedAsync();
        string connection = await postgres.CreateSchemaAsync("nodes_" + Guid.NewGuid().ToString("N")[..12], cancellationToken);
        string root = Directory.CreateTempSubdirectory("parley-nodes-").FullName;
        var cluster = new NodeCluster(root, connection, agreementId);
        try
        {
            string agreementFile = Path.Combine(root, "agreement.json");
            await File.WriteAllTextAsync(agreementFile, agreement, cancellationToken);

            // The first node creates the token key, the ledger key and the center secret as it starts; the development
            // submission key is made on first use, so it is made here, before any node could make one of its own.
            Directory.CreateDirectory(cluster.SecretsDirectory);
            DevelopmentKeys.For(cluster.SecretsDirectory, agreementId, "any").Dispose();
            cluster._nodes.Add(await ServeProcess.StartAsync("node 0", Arguments(connection, cluster.SecretsDirectory, agreementFile, serveOptions), cancellationToken));

            var folders = Enumerable.Range(1, count - 1).Select(i => Path.Combine(root, $"node{i}")).ToList();
            foreach (var folder in folders)
            {
                Directory.CreateDirectory(folder);
                foreach (var secret in SharedSecrets)
                {
                    File.Copy(Path.Combine(cluster.SecretsDirectory, secret), Path.Combine(folder, secret));
                }
            }

            cluster._nodes.AddRange(await Task.WhenAll(folders.Select((folder, i) =>
                ServeProcess.StartAsync($"node {i + 1}", Arguments(connection, folder, agreementFile, serveOptions), cancellationToken))));
            await cluster.Store.InitializeAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static string[] Arguments(string connection, string data, string agreementFile, IReadOnlyList<string>? serveOptions) =>
        ["serve", "--store", "postgres", "--connection", connection, "--urls", "http://127.0.0.1:0", "--data", data, "--agreement", agreementFile, .. serveOptions ?? []];

    /// <summary>Every answer the nodes sent to <see cref="Client"/>s, checked against docs/openapi.json; disposing the cluster fails on any violation.</summary>
    public Contract.AnswerRecorder Answers { get; } = new();

    /// <summary>
    /// A client of node <paramref name="node"/> for <paramref name="party"/>, signing its writes unless <paramref name="sign"/>
    /// is false; every answer it receives is checked against the document.
    /// </summary>
    public HttpClient Client(int node, string party, string role = Roles.Operator, bool sign = true)
    {
        HttpMessageHandler transport = sign
            ? new SigningHandler(DevelopmentKeys.For(SecretsDirectory, AgreementId, party), AgreementId, TimeProvider.System)
            : SigningHandler.Transport();
        return Contract.AnswerCheckingHandler.Wrap(Answers, transport, _nodes[node].BaseAddress,
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TokenKeys.Issue(SecretsDirectory, AgreementId, party, role, TimeSpan.FromDays(30))));
    }

    /// <summary>Makes clients of node <paramref name="node"/> by party and role.</summary>
    public Func<string, string, HttpClient> Clients(int node) => (party, role) => Client(node, party, role);

    /// <summary>What the nodes logged as errors, for a failure message.</summary>
    public string ErrorReport(int linesPerNode = 3) => string.Join('\n', _nodes.Select(n =>
    {
        var errors = n.Errors;
        return errors.Count == 0 ? $"{n.Name} logged no errors" : $"{n.Name} logged {errors.Count} errors, the first: {string.Join(" | ", errors.Take(linesPerNode))}";
    }));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder must not fail the test.
        }

        // The document is the contract, for nodes in other processes as for the in-process server.
        Answers.AssertDescribed();
    }
}
