using Parley.Core.Ports;

namespace Parley.Storage.Tests.Conformance;

/// <summary>Where a conformance test keeps its state: a store it opens, and opens again to see what lasted.</summary>
public interface IStoreBackend : IAsyncDisposable
{
    /// <summary>Opens (and initialises) a new store instance over the test's own, initially empty, state, reading the time from <paramref name="time"/> (the system clock when null).</summary>
    Task<IParleyStore> OpenAsync(CancellationToken cancellationToken, TimeProvider? time = null);

    /// <summary>Returns once a write of the test's state is seen waiting for another's lock (as far as the backend lets it be seen).</summary>
    Task WriterWaitingAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A test of the store contract, written against <see cref="IParleyStore"/> only, so the same code runs against every
/// backend; each backend derives one sealed class per suite.
/// </summary>
public abstract class ConformanceTest(IStoreBackend backend) : IAsyncDisposable
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Opens a store over the test's state; a second call opens another instance over the same state.</summary>
    protected Task<IParleyStore> OpenAsync(TimeProvider? time = null) => backend.OpenAsync(Ct, time);

    /// <summary>Returns once a write of the test's state waits for another's lock.</summary>
    protected Task WriterWaitingAsync() => backend.WriterWaitingAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        await backend.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
