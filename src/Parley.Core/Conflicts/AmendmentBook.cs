using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>The amendments of one agreement, by id, in the order they were proposed.</summary>
/// <remarks>Not thread-safe for writes: like the theater it belongs to, one writer per agreement.</remarks>
[Mutable("the theater's amendments, changed in place by each committed write")]
public sealed class AmendmentBook
{
    private readonly Dictionary<string, Amendment> _byId = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Every amendment, oldest first.</summary>
    public IEnumerable<Amendment> All => _order.Select(id => _byId[id]);

    /// <summary>Number of amendments.</summary>
    public int Count => _order.Count;

    /// <summary>The amendment with this id, if any.</summary>
    public Amendment? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The amendments that still wait for signatures or their effective time.</summary>
    public IEnumerable<Amendment> Pending => All.Where(a => a.IsPending);

    /// <summary>The earliest time a pending amendment lapses or comes into force, if any.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var amendment in Pending)
            {
                // A signed one comes into force at its effective time; a proposed one lapses at its signing deadline.
                var due = amendment.State == AmendmentState.Signed ? amendment.Effective ?? amendment.Proposed : amendment.SigningDeadline;
                if (next is null || due < next)
                {
                    next = due;
                }
            }

            return next;
        }
    }

    /// <summary>Adds or replaces an amendment.</summary>
    public void Upsert(Amendment amendment)
    {
        ArgumentNullException.ThrowIfNull(amendment);
        if (_byId.TryAdd(amendment.Id, amendment))
        {
            _order.Add(amendment.Id);
        }
        else
        {
            _byId[amendment.Id] = amendment;
        }
    }
}
