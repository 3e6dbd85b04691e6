using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Agreements;
using Parley.Core.Model;
using static Parley.Core.Features.JsonFields;

namespace Parley.Core.Features;

/// <summary>A proposal as read: the change it makes and what the proposer said of it.</summary>
/// <param name="Change">What it changes.</param>
/// <param name="ChangesJson">The change as canonical JSON, as the amendment keeps it.</param>
/// <param name="Reason">Why.</param>
/// <param name="SigningDeadline">By when every signatory must have signed.</param>
/// <param name="Effective">When it comes into force once signed; null: on the last signature.</param>
public sealed record ProposedAmendment(AgreementChange Change, string ChangesJson, string Reason, DateTimeOffset SigningDeadline, DateTimeOffset? Effective);

/// <summary>
/// Reads proposed amendments strictly, against the agreement version they amend, and makes the agreement versions that
/// amendments in force give.
/// </summary>
/// <remarks>
/// A proposal (JSON or YAML): <c>reason</c>, <c>signing_deadline</c> (RFC 3339, in the future), <c>effective</c>
/// (<c>on_signature</c>, the default, or an RFC 3339 time), and at least one of <c>add_terms</c> (terms with new ids),
/// <c>replace_terms</c> (terms with existing ids), <c>remove_terms</c> (ids), <c>rules</c> (they replace the rules),
/// <c>separation</c>, <c>concurrence_deadline_minutes</c>, <c>probing_budget</c> (as in the agreement).
/// </remarks>
public static class AmendmentReader
{
    private static readonly string[] ChangeFields =
        ["add_terms", "replace_terms", "remove_terms", "rules", "separation", "concurrence_deadline_minutes", "probing_budget"];

    private static readonly string[] ProposalFields = ["reason", "signing_deadline", "effective", .. ChangeFields];

    /// <summary>The longest a signing may be left open.</summary>
    public static readonly TimeSpan LongestSigning = TimeSpan.FromDays(366);

    /// <summary>A proposal written in JSON or YAML as the JSON text a server reads.</summary>
    /// <exception cref="InputRejectedException">The text is malformed.</exception>
    public static string YamlToJson(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return JsonFields.Parse(text, "amendment")?.ToJsonString() ?? "null";
    }

    /// <summary>Reads a proposal of an amendment to <paramref name="inForce"/>, made at <paramref name="now"/>.</summary>
    /// <exception cref="InputRejectedException">The text is malformed, a field unknown or invalid, or the change would not make a valid agreement.</exception>
    public static ProposedAmendment ReadProposal(string text, Agreement inForce, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(inForce);
        if (JsonFields.Parse(text, "amendment") is not JsonObject o)
        {
            throw new InputRejectedException(new InputError(null, "$", "an amendment must be an object"));
        }

        var errors = new List<InputError>();
        Known(o, "", ProposalFields, errors);
        var reason = NonEmpty(o, "reason", errors);
        if (reason is null && o["reason"] is null)
        {
            errors.Add(new InputError(null, "reason", "required: why the agreement should change"));
        }
        else if (reason is { Length: > 2000 })
        {
            errors.Add(new InputError(null, "reason", "at most 2000 characters"));
        }

        var deadline = Time(o, "signing_deadline", errors);
        if (deadline is null && o["signing_deadline"] is null)
        {
            errors.Add(new InputError(null, "signing_deadline", "required: the RFC 3339 time by which every signatory must sign"));
        }
        else if (deadline is { } d && (d <= now || d > now + LongestSigning))
        {
            errors.Add(new InputError(null, "signing_deadline", $"must be after now and at most {LongestSigning.TotalDays:0} days ahead"));
        }

        DateTimeOffset? effective = null;
        if (o["effective"] is JsonValue v && v.TryGetValue(out string? when) && when == "on_signature")
        {
            effective = null;
        }
        else if (o["effective"] is not null)
        {
            effective = Time(o, "effective", errors);
            if (effective is null && !errors.Any(e => e.Field == "effective"))
            {
                errors.Add(new InputError(null, "effective", "must be on_signature or an RFC 3339 time"));
            }
        }

        var change = ReadChange(o, inForce, errors);
        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        return new ProposedAmendment(change, WriteChanges(change), reason!, deadline!.Value, effective);
    }

    /// <summary>Reads an amendment's kept changes (<see cref="Amendment.Changes"/>) against the version it amends.</summary>
    /// <exception cref="InputRejectedException">They do not read against <paramref name="inForce"/>.</exception>
    public static AgreementChange ReadChanges(string changes, Agreement inForce)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (JsonFields.Parse(changes, "amendment") is not JsonObject o)
        {
            throw new InputRejectedException(new InputError(null, "$", "an amendment's changes must be an object"));
        }

        var errors = new List<InputError>();
        Known(o, "", ChangeFields, errors);
        var change = ReadChange(o, inForce, errors);
        return errors.Count > 0 ? throw new InputRejectedException(errors) : change;
    }

    /// <summary>The agreement <paramref name="amendment"/> makes of <paramref name="inForce"/> (the version it amends).</summary>
    public static Agreement Apply(Agreement inForce, Amendment amendment)
    {
        ArgumentNullException.ThrowIfNull(amendment);
        return ReadChanges(amendment.Changes, inForce).ApplyTo(inForce, amendment.Version);
    }

    /// <summary>The version in force: <paramref name="text"/>'s agreement with the amendments in force applied in order.</summary>
    public static Agreement InForce(Agreement text, IEnumerable<Amendment> amendments)
    {
        ArgumentNullException.ThrowIfNull(amendments);
        var agreement = text;
        foreach (var amendment in amendments.Where(a => a.State == AmendmentState.InForce).OrderBy(a => a.Version))
        {
            if (amendment.BaseVersion != agreement.Version)
            {
                throw new InvalidDataException($"amendment '{amendment.Id}' amends version {amendment.BaseVersion} of agreement '{text.Id}', but version {agreement.Version} is in force before it");
            }

            agreement = Apply(agreement, amendment);
        }

        return agreement;
    }

    private static AgreementChange ReadChange(JsonObject o, Agreement inForce, List<InputError> errors)
    {
        int before = errors.Count;
        var existing = inForce.Terms.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var added = o["add_terms"] is { } add ? TermReader.ReadAll(add, "add_terms", inForce, errors) : [];
        var replaced = o["replace_terms"] is { } replace ? TermReader.ReadAll(replace, "replace_terms", inForce, errors) : [];
        var removed = Strings(o, "remove_terms", errors) ?? [];
        foreach (var (term, i) in added.Select((t, i) => (t, i)).Where(x => existing.Contains(x.t.Id)))
        {
            errors.Add(new InputError(null, $"add_terms[{i}].id", $"the agreement has a term '{term.Id}' already: replace it with replace_terms"));
        }

        foreach (var (term, i) in replaced.Select((t, i) => (t, i)).Where(x => !existing.Contains(x.t.Id)))
        {
            errors.Add(new InputError(null, $"replace_terms[{i}].id", $"the agreement has no term '{FeatureReader.Clip(term.Id)}' to replace: add it with add_terms"));
        }

        foreach (var id in removed.Where(id => !existing.Contains(id)))
        {
            errors.Add(new InputError(null, "remove_terms", $"the agreement has no term '{FeatureReader.Clip(id)}'"));
        }

        var twice = added.Select(t => t.Id).Concat(replaced.Select(t => t.Id)).Concat(removed).GroupBy(id => id).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            errors.Add(new InputError(null, "$", $"term '{FeatureReader.Clip(twice.Key)}' is changed twice in one amendment"));
        }

        var change = new AgreementChange
        {
            AddTerms = added, ReplaceTerms = replaced, RemoveTerms = [.. removed.Distinct()],
            Rules = AgreementReader.ReadRules(o, "rules", errors),
            Separation = AgreementReader.ReadSeparation(o, inForce.Separation, errors),
            ConcurrenceDeadline = AgreementReader.ReadDeadline(o, errors),
            ProbingBudget = AgreementReader.ReadBudget(o, inForce.ProbingBudget, errors),
        };
        if (errors.Count == before && change.IsEmpty)
        {
            errors.Add(new InputError(null, "$", $"an amendment must change something: {string.Join(", ", ChangeFields)}"));
        }

        if (change.Rules is not null)
        {
            AgreementReader.CheckKinds(inForce with { ZoneRules = change.Rules }, errors);
        }

        return change;
    }

    /// <summary>A change as canonical JSON: only the fields it sets, in a fixed order, terms as the agreement writes them.</summary>
    public static string WriteChanges(AgreementChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (change.AddTerms.Count > 0)
            {
                w.WriteStartArray("add_terms");
                change.AddTerms.ToList().ForEach(t => AgreementWriter.WriteTerm(w, t));
                w.WriteEndArray();
            }

            if (change.ReplaceTerms.Count > 0)
            {
                w.WriteStartArray("replace_terms");
                change.ReplaceTerms.ToList().ForEach(t => AgreementWriter.WriteTerm(w, t));
                w.WriteEndArray();
            }

            if (change.RemoveTerms.Count > 0)
            {
                w.WriteStartArray("remove_terms");
                change.RemoveTerms.ToList().ForEach(w.WriteStringValue);
                w.WriteEndArray();
            }

            if (change.Rules is { } rules)
            {
                w.WriteStartArray("rules");
                foreach (var rule in rules)
                {
                    w.WriteStartObject();
                    w.WriteString("operation", rule.OperationKind);
                    w.WriteStartArray("zones");
                    rule.ZoneKinds.ToList().ForEach(k => w.WriteStringValue(ZoneKinds.Name(k)));
                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (change.Separation is { } separation)
            {
                w.WriteStartObject("separation");
                w.WriteNumber("lateral_m", separation.LateralMetres);
                w.WriteNumber("vertical_m", separation.VerticalMetres);
                w.WriteEndObject();
            }

            if (change.ConcurrenceDeadline is { } deadline)
            {
                w.WriteNumber("concurrence_deadline_minutes", deadline.TotalMinutes);
            }

            if (change.ProbingBudget is { } budget)
            {
                w.WriteStartObject("probing_budget");
                w.WriteNumber("per_hour", budget.PerHour);
                w.WriteNumber("per_day", budget.PerDay);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
