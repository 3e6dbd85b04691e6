namespace Parley.Storage.Rows;

/// <summary>Instants as every store keeps them: UTC ticks in a 64-bit integer column.</summary>
internal static class StoredTime
{
    /// <summary>The instant <paramref name="utcTicks"/> stands for, at offset zero.</summary>
    public static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
