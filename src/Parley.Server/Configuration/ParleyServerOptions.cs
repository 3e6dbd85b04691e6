namespace Parley.Server.Configuration;

/// <summary>How a Parley server is started.</summary>
public sealed record ParleyServerOptions
{
    /// <summary>The folder holding the SQLite file, the token key and the center secret.</summary>
    public string DataDirectory { get; init; } = "parley-data";

    /// <summary>Where to listen. Plain HTTP is only allowed on loopback addresses.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Load the fictional <c>demo</c> agreement with its parties, zones and operations.</summary>
    public bool Demo { get; init; }

    /// <summary>Origins the console may load basemap tiles from (https://, or http:// on loopback), added to its Content-Security-Policy.</summary>
    public IReadOnlyList<string> ConsoleTileOrigins { get; init; } = [];

    /// <summary>Agreement files (JSON or YAML) to load or update at start-up.</summary>
    public IReadOnlyList<string> AgreementFiles { get; init; } = [];

    /// <summary>The center's name: the prefix of every ledger origin and checkpoint key name (no spaces, no '+').</summary>
    public string CenterName { get; init; } = "parley.local";

    /// <summary>How often concurrence requests past their deadline are expired (as refusals).</summary>
    public TimeSpan ConcurrenceTickInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the checkpoint signer looks for new entries (a new checkpoint follows new entries within this).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Most features one request may declare: one request holds its agreement's lock for all of them.</summary>
    public int MaxFeaturesPerRequest { get; init; } = 10_000;

    /// <summary>
    /// The validation work a party may make the server do: vertices read per minute (a minute's worth at once), its
    /// bodies read one at a time; past it, 429 with Retry-After. Zero or less: no budget.
    /// </summary>
    public int ValidationVerticesPerMinute { get; init; } = 1_000_000;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// The TLS certificate for <c>https://</c> addresses: a PEM certificate (with <see cref="CertificateKeyPath"/>,
    /// or its key in the same file) or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, with <see cref="CertificatePassword"/>).
    /// </summary>
    public string? CertificatePath { get; init; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>, when it is in a file of its own.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>The password of a PKCS#12 certificate or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>
    /// Requests per second each party may make, sustained (a token bucket refilled every second); calls without a
    /// valid token are counted per remote address. Zero or less turns rate limiting off. <c>/health</c> is never limited.
    /// </summary>
    public int RateLimitPerSecond { get; init; } = 50;

    /// <summary>Requests a party may make at once above the sustained rate: the size of its token bucket.</summary>
    public int RateLimitBurst { get; init; } = 200;

    /// <summary>
    /// Longest time a request may take before it is answered 503; a write whose commit has started is finished
    /// regardless. <see cref="Timeout.InfiniteTimeSpan"/> turns the limit off.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Slowest rate, in bytes per second, at which a client may send a request body once a grace period of
    /// <see cref="MinRequestBodyGracePeriod"/> has passed; a slower body is answered 408 and the connection closed (slow-loris).
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; init; } = 1024;

    /// <summary>How long a request body may arrive more slowly than <see cref="MinRequestBodyBytesPerSecond"/> (more than 1 s).</summary>
    public TimeSpan MinRequestBodyGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The store: <c>sqlite</c> (the embedded default, a file in <see cref="DataDirectory"/>) or <c>postgres</c>.</summary>
    public string Store { get; init; } = "sqlite";

    /// <summary>The Npgsql connection string when <see cref="Store"/> is <c>postgres</c>.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Whether to write request logs to the console.</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>The clock for ledger entries, probing budgets and event times; the system clock when null (tests pass a fake one).</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>How often an idle event stream sends a comment line, so that proxies and clients know it is alive.</summary>
    public TimeSpan EventHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Most subscriptions one party may hold in one agreement (each is matched against every change).</summary>
    public int MaxSubscriptionsPerParty { get; init; } = 100;

    /// <summary>Longest a webhook endpoint may take to accept a connection and answer; a slower one counts as a failure.</summary>
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait before the first retry of a failed webhook delivery; it doubles with each failure, with jitter.</summary>
    public TimeSpan WebhookRetryInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts at one webhook delivery.</summary>
    public TimeSpan WebhookRetryMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often webhook delivery looks for new events and subscriptions when nothing in this process signalled any
    /// (another process may share the store).
    /// </summary>
    public TimeSpan WebhookPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where to serve <c>/metrics</c> (Prometheus) without a token, on a listener of its own (';'-separated URLs; plain
    /// HTTP on loopback only). Bind it where only the center's operator reaches it. None: the main listener's
    /// <c>/metrics</c> alone, which needs an administrator's token.
    /// </summary>
    public string? MetricsUrls { get; init; }

    /// <summary>An OTLP/HTTP collector (e.g. <c>http://127.0.0.1:4318</c>) to export traces to; none (the default): no traces.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Console logs as JSON lines, each with the trace and span ids of the request it belongs to, instead of plain lines.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>
    /// Resolves webhook host names to addresses (the system's resolver when null). Every address it returns is checked
    /// before a webhook connects; tests pass one of their own to play a host that changes its answer.
    /// </summary>
    public Func<string, CancellationToken, Task<System.Net.IPAddress[]>>? WebhookResolver { get; init; }

    /// <summary>
    /// Configures logging once the default providers are cleared: lets a host add providers of its own, e.g. a test
    /// capturing every log line.
    /// </summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Adds services before the server is built: lets a host observe the pipeline, e.g. a test checking every answer against the OpenAPI document.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>The TAK streaming endpoints (<c>--cot-listen</c>), their client certificates and refresh.</summary>
    public CotFeedOptions Cot { get; init; } = new();
}
