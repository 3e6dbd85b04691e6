using Parley.Core.Model;

namespace Parley.Server.Theaters;

/// <summary>
/// The nonces of one agreement's accepted writes that a replay could still reuse: those signed within the longest
/// signature window an agreement may set. Loaded from the store at start-up and kept with each commit, so a write
/// is checked against memory, not with a query under the agreement's lock; the store's key on the nonce remains
/// the last word.
/// </summary>
/// <remarks>Not thread-safe: used under the agreement's lock.</remarks>
public sealed class SpentNonces
{
    /// <summary>The longest signature window an agreement may set (<c>signature_window_s</c> at most 3,600).</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(1);

    private readonly HashSet<(PartyId Party, string Nonce)> _spent = [];
    private readonly Queue<(DateTimeOffset Signed, PartyId Party, string Nonce)> _order = new();

    /// <summary>Whether <paramref name="party"/> spent <paramref name="nonce"/> in an accepted write.</summary>
    public bool Contains(PartyId party, string nonce) => _spent.Contains((party, nonce));

    /// <summary>Records a spent nonce and forgets those signed before the horizon.</summary>
    public void Add(PartyId party, string nonce, DateTimeOffset signed, DateTimeOffset now)
    {
        if (_spent.Add((party, nonce)))
        {
            _order.Enqueue((signed, party, nonce));
        }

        while (_order.TryPeek(out var oldest) && oldest.Signed < now - Horizon)
        {
            _order.Dequeue();
            _spent.Remove((oldest.Party, oldest.Nonce));
        }
    }
}
