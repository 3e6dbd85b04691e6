using Parley.Core.Ports;

namespace Parley.Storage.Tests.Conformance;

/// <summary>Where a conformance test keeps its state: a store it opens, and opens again to see what lasted.</summary>
public interface IStoreBackend : IAsyncDisposable
{
    /// <summary>Opens (and initialises) a new store instance over the test's own, initially empty, state.</summary>
    Task<IParleyStore> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A test of the store contract, written against <see cref="IParleyStore"/> only, so the same code runs against every
/// backend; each backend derives one sealed class per suite.
/// </summary>
public abstract class ConformanceTest(IStoreBackend backend) : IAsyncDisposable
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Opens a store over the test's state; a second call opens another instance over the same state.</summary>
    protected Task<IParleyStore> OpenAsync() => backend.OpenAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        await backend.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
