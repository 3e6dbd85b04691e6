using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;

namespace Parley.Core.Terms;

/// <summary>Breaches of terms as every party may see them: the term is the agreement's, visible to all.</summary>
public static class TermViews
{
    /// <summary>A breach listed with an operation's conflicts: <c>{"type":"term","term":"&lt;id&gt;","reason":"…",…}</c>.</summary>
    public static ConflictView View(Operation operation, TermBreach breach, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(breach);
        ArgumentNullException.ThrowIfNull(agreement);
        var term = agreement.FindTerm(breach.Term);
        return new ConflictView(operation.Id.Value, TermChecks.TargetType, null, term is null ? "term" : TermNames.Name(term.Type), breach.Term, null, null,
            term?.Name, Term: breach.Term, Reason: breach.Reason, OnBreach: TermNames.Name(breach.Action));
    }
}
