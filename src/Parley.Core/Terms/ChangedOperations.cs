using Parley.Core.Model;

namespace Parley.Core.Terms;

/// <summary>
/// The theater's operations as a decision leaves them so far: those it changes, by id (over those of an earlier layer, if
/// any), and every other one as the theater holds it. Knowing which it changes lets a limit correct the theater's counts
/// for them alone; an opaque view (<see cref="Opaque"/>) makes the limit scan the owner's day instead.
/// </summary>
internal sealed class ChangedOperations
{
    private readonly IReadOnlyDictionary<OperationId, Operation>? _changed;
    private readonly ChangedOperations? _under;
    private readonly Func<Operation, Operation>? _opaque;

    private ChangedOperations(IReadOnlyDictionary<OperationId, Operation>? changed, ChangedOperations? under, Func<Operation, Operation>? opaque)
    {
        _changed = changed;
        _under = under;
        _opaque = opaque;
    }

    /// <summary>The operations in <paramref name="changed"/> (read live: it may grow) over <paramref name="under"/>.</summary>
    public static ChangedOperations Of(IReadOnlyDictionary<OperationId, Operation> changed, ChangedOperations? under = null)
    {
        ArgumentNullException.ThrowIfNull(changed);
        return new(changed, under, null);
    }

    /// <summary>A view that says how an operation reads but not which ones it changes.</summary>
    public static ChangedOperations Opaque(Func<Operation, Operation> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new(null, null, current);
    }

    /// <summary>Whether the view knows every operation it changes (<see cref="Ids"/>).</summary>
    public bool Known => _opaque is null && (_under?.Known ?? true);

    /// <summary>An operation of the theater as the decision leaves it.</summary>
    public Operation Current(Operation stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (_opaque is not null)
        {
            return _opaque(stored);
        }

        return _changed!.TryGetValue(stored.Id, out var changed) ? changed : _under is null ? stored : _under.Current(stored);
    }

    /// <summary>The ids of the operations changed (some may be new, not in the theater; an id may come twice), when <see cref="Known"/>.</summary>
    public IEnumerable<OperationId> Ids => _under is null ? _changed?.Keys ?? [] : (_changed?.Keys ?? []).Concat(_under.Ids);
}
