namespace Parley.Server.Demo;

/// <summary>
/// The center's clock when it serves the demo: the server's own clock, except while the demo's week of history is
/// written at startup. Then it reads the instant the history has reached, moved forward step by step, so that every
/// entry of that week is decided and stamped by the center at its own instant, in order, as if the center had been
/// running then; never an instant after the real clock's.
/// </summary>
public sealed class DemoClock(TimeProvider real) : TimeProvider
{
    private const long Released = long.MinValue;

    private long _heldTicks = Released;

    /// <summary>The real clock read now.</summary>
    public DateTimeOffset RealNow => real.GetUtcNow();

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow()
    {
        long held = Interlocked.Read(ref _heldTicks);
        return held == Released ? real.GetUtcNow() : new DateTimeOffset(held, TimeSpan.Zero);
    }

    /// <summary>Holds the clock at <paramref name="instant"/>: later than any instant held before, and not after the real clock.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The instant goes back, or lies ahead of the real clock.</exception>
    public void Hold(DateTimeOffset instant)
    {
        long held = Interlocked.Read(ref _heldTicks);
        if (held != Released && instant.UtcTicks < held)
        {
            throw new ArgumentOutOfRangeException(nameof(instant), "the demo's history moves forward only");
        }

        if (instant > real.GetUtcNow())
        {
            throw new ArgumentOutOfRangeException(nameof(instant), "the demo's history lies in the past");
        }

        Interlocked.Exchange(ref _heldTicks, instant.UtcTicks);
    }

    /// <summary>Lets the clock read the real one again.</summary>
    public void Release() => Interlocked.Exchange(ref _heldTicks, Released);

    /// <inheritdoc/>
    public override long GetTimestamp() => real.GetTimestamp();

    /// <inheritdoc/>
    public override long TimestampFrequency => real.TimestampFrequency;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => real.LocalTimeZone;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        real.CreateTimer(callback, state, dueTime, period);
}
