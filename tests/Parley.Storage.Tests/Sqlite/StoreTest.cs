using Parley.Storage.Sqlite;

namespace Parley.Storage.Tests.Sqlite;

/// <summary>A test on a store file of its own in a temporary folder, opened (and reopened) as the test asks.</summary>
public abstract class StoreTest : IDisposable
{
    private readonly TempFolder _folder = new();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Opens the test's store file, creating or migrating it.</summary>
    protected async Task<SqliteStore> OpenAsync()
    {
        var store = new SqliteStore(_folder.File("data", SqliteStore.DefaultFileName));
        await store.InitializeAsync(Ct);
        return store;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _folder.Dispose();
        }
    }
}
