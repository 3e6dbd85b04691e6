using System.Text.Json.Nodes;
using Parley.Core.Agreements;
using Parley.Core.Model;
using static Parley.Core.Features.JsonFields;

namespace Parley.Core.Features;

/// <summary>
/// Reads an agreement from its JSON or YAML text, strictly: fields not given keep the defaults, and a field that is not
/// one of these, at any level, is refused by name (a misspelt rule must not silently leave the default in force).
/// </summary>
/// <remarks>
/// Fields: <c>id</c>, <c>name</c>, <c>version</c>, <c>parties</c> (<c>id</c>, <c>name</c>, <c>role</c>:
/// member|observer|admin, <c>witness_key</c>: a vkey for cosigning checkpoints, <c>identity</c>: the party's identity
/// provider with <c>issuer</c>, optional <c>audience</c> and one of <c>jwks</c> (inline) or <c>jwks_file</c>,
/// <c>signing_keys</c>: <c>ed25519:</c> base64 public keys), <c>signatories</c>, <c>operation_kinds</c>,
/// <c>airborne_kinds</c>, <c>rules</c> (<c>operation</c>, <c>zones</c>), <c>separation</c> (<c>lateral_m</c>,
/// <c>vertical_m</c>), <c>max_vertices</c>, <c>concurrence_deadline_minutes</c>, <c>incident_reply_deadline_hours</c>, <c>disclosure_resolution_m</c>,
/// <c>token_audience</c>, <c>token_clock_skew_s</c>, <c>signature_window_s</c>, <c>disclosure_time_resolution_minutes</c>,
/// <c>probing_budget</c> (<c>per_hour</c>, <c>per_day</c>), <c>terms</c> (see <see cref="TermReader"/>); per party
/// also <c>webhook_networks</c> (private network prefixes its webhooks may reach).
/// The reader does no I/O: a <c>jwks_file</c> is kept as a path for the server to read.
/// </remarks>
public static class AgreementReader
{
    private static readonly string[] Fields =
    [
        "id", "name", "version", "parties", "signatories", "operation_kinds", "airborne_kinds", "rules", "separation", "max_vertices",
        "concurrence_deadline_minutes", "incident_reply_deadline_hours", "disclosure_resolution_m", "token_audience", "token_clock_skew_s", "signature_window_s",
        "disclosure_time_resolution_minutes", "probing_budget", "terms",
    ];

    private static readonly string[] PartyFields = ["id", "name", "role", "witness_key", "identity", "signing_keys", "webhook_networks"];

    private static readonly string[] IdentityFields = ["issuer", "audience", "jwks", "jwks_file"];

    private static readonly string[] RuleFields = ["operation", "zones"];

    private static readonly string[] SeparationFields = ["lateral_m", "vertical_m"];

    private static readonly string[] BudgetFields = ["per_hour", "per_day"];

    /// <summary>Parses JSON (when the text starts with '{') or YAML.</summary>
    /// <exception cref="InputRejectedException">The text is malformed or a field is unknown or invalid.</exception>
    public static Agreement Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (JsonFields.Parse(text, "agreement") is not JsonObject o)
        {
            throw new InputRejectedException(new InputError(null, "$", "an agreement must be an object"));
        }

        var errors = new List<InputError>();
        Known(o, "", Fields, errors);
        var id = Str(o, "id", errors);
        if (string.IsNullOrWhiteSpace(id))
        {
            errors.Add(new InputError(null, "id", "required: the agreement id"));
        }
        else if (!IsToken(id))
        {
            errors.Add(new InputError(null, "id", IdRefusal(id)));
            id = null;
        }

        var agreement = Agreement.Default(id ?? "invalid");
        agreement = agreement with
        {
            Name = Str(o, "name", errors) ?? agreement.Name,
            Version = (int)(Num(o, "version", errors, 1, int.MaxValue) ?? agreement.Version),
            Parties = ReadParties(o, errors) ?? agreement.Parties,
            OperationKinds = Strings(o, "operation_kinds", errors) ?? agreement.OperationKinds,
            AirborneKinds = Strings(o, "airborne_kinds", errors) ?? agreement.AirborneKinds,
            ZoneRules = ReadRules(o, "rules", errors) ?? agreement.ZoneRules,
            MaxVerticesPerFeature = (int)(Num(o, "max_vertices", errors, 4, 10_000_000) ?? agreement.MaxVerticesPerFeature),
            DisclosureResolutionMetres = Num(o, "disclosure_resolution_m", errors, 100, 1_000_000) ?? agreement.DisclosureResolutionMetres,
            TokenAudience = NonEmpty(o, "token_audience", errors) ?? agreement.TokenAudience,
        };
        if (Num(o, "signature_window_s", errors, 5, 3600) is { } window)
        {
            agreement = agreement with { SignatureWindow = TimeSpan.FromSeconds(window) };
        }

        if (Num(o, "token_clock_skew_s", errors, 0, 300) is { } skew)
        {
            agreement = agreement with { TokenClockSkew = TimeSpan.FromSeconds(skew) };
        }

        if (ReadDeadline(o, errors) is { } deadline)
        {
            agreement = agreement with { ConcurrenceDeadline = deadline };
        }

        if (Num(o, "incident_reply_deadline_hours", errors, 1, 8_784) is { } hours)
        {
            agreement = agreement with { IncidentReplyDeadline = TimeSpan.FromHours(hours) };
        }

        if (Num(o, "disclosure_time_resolution_minutes", errors, 1, 525_600) is { } slot)
        {
            if (slot != Math.Floor(slot))
            {
                errors.Add(new InputError(null, "disclosure_time_resolution_minutes", "must be a whole number of minutes"));
            }
            else
            {
                agreement = agreement with { DisclosureTimeResolution = TimeSpan.FromMinutes(slot) };
            }
        }

        agreement = agreement with
        {
            ProbingBudget = ReadBudget(o, agreement.ProbingBudget, errors) ?? agreement.ProbingBudget,
            Separation = ReadSeparation(o, agreement.Separation, errors) ?? agreement.Separation,
        };

        CheckKinds(agreement, errors);
        var duplicate = agreement.Parties.GroupBy(p => p.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            errors.Add(new InputError(null, "parties", $"party '{duplicate.Key}' is declared twice"));
        }

        agreement = agreement with { Signatories = ReadSignatories(o, agreement, errors) };
        if (o["terms"] is { } terms)
        {
            agreement = agreement with { Terms = TermReader.ReadAll(terms, "terms", agreement, errors) };
        }

        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        return agreement;
    }

    /// <summary>Every kind the rules use must be declared.</summary>
    internal static void CheckKinds(Agreement agreement, List<InputError> errors)
    {
        foreach (var kind in agreement.AirborneKinds.Concat(agreement.ZoneRules.Select(r => r.OperationKind)).Distinct())
        {
            if (!agreement.OperationKinds.Contains(kind))
            {
                errors.Add(new InputError(null, "operation_kinds", $"kind '{kind}' is used by a rule but not declared"));
            }
        }
    }

    /// <summary><c>concurrence_deadline_minutes</c>, when given.</summary>
    internal static TimeSpan? ReadDeadline(JsonObject o, List<InputError> errors) =>
        Num(o, "concurrence_deadline_minutes", errors, 1, 525_600) is { } minutes ? TimeSpan.FromMinutes(minutes) : null;

    /// <summary><c>probing_budget</c>, when given: a side not given keeps <paramref name="current"/>'s.</summary>
    internal static ProbingBudget? ReadBudget(JsonObject o, ProbingBudget current, List<InputError> errors)
    {
        if (o["probing_budget"] is JsonObject budget)
        {
            Known(budget, "probing_budget.", BudgetFields, errors);
            return new ProbingBudget(
                Count(budget, "per_hour", errors, 1_000_000, "probing_budget.") ?? current.PerHour,
                Count(budget, "per_day", errors, 10_000_000, "probing_budget.") ?? current.PerDay);
        }

        if (o["probing_budget"] is not null)
        {
            errors.Add(new InputError(null, "probing_budget", "must be an object with per_hour and per_day"));
        }

        return null;
    }

    /// <summary><c>separation</c>, when given: a side not given keeps <paramref name="current"/>'s.</summary>
    internal static SeparationMinima? ReadSeparation(JsonObject o, SeparationMinima current, List<InputError> errors)
    {
        if (o["separation"] is JsonObject sep)
        {
            Known(sep, "separation.", SeparationFields, errors);
            return new SeparationMinima(
                Num(sep, "lateral_m", errors, 0, 1e7, "separation.") ?? current.LateralMetres,
                Num(sep, "vertical_m", errors, 0, 1e6, "separation.") ?? current.VerticalMetres);
        }

        if (o["separation"] is not null)
        {
            errors.Add(new InputError(null, "separation", "must be an object with lateral_m and vertical_m"));
        }

        return null;
    }

    private static IReadOnlyList<PartyId> ReadSignatories(JsonObject o, Agreement agreement, List<InputError> errors)
    {
        var members = agreement.Members.ToList();
        if (Strings(o, "signatories", errors) is not { } listed)
        {
            return members;
        }

        if (listed.Count == 0)
        {
            errors.Add(new InputError(null, "signatories", "must name at least one member party (absent: every member)"));
            return members;
        }

        var result = new List<PartyId>();
        foreach (var name in listed)
        {
            var party = agreement.FindParty(new PartyId(name));
            if (party is null)
            {
                errors.Add(new InputError(null, "signatories", $"'{FeatureReader.Clip(name)}' is not a party of the agreement"));
            }
            else if (party.Role != PartyRole.Member)
            {
                // Only members hold the approver role an amendment is signed with.
                errors.Add(new InputError(null, "signatories", $"'{name}' is not a member party: only members sign amendments"));
            }
            else if (result.Contains(party.Id))
            {
                errors.Add(new InputError(null, "signatories", $"'{name}' is named twice"));
            }
            else
            {
                result.Add(party.Id);
            }
        }

        return result;
    }

    private static List<Party>? ReadParties(JsonObject o, List<InputError> errors)
    {
        if (o["parties"] is null)
        {
            return null;
        }

        if (o["parties"] is not JsonArray array)
        {
            errors.Add(new InputError(null, "parties", "must be an array"));
            return null;
        }

        var parties = new List<Party>();
        for (int i = 0; i < array.Count; i++)
        {
            string path = $"parties[{i}].";
            if (array[i] is not JsonObject p)
            {
                errors.Add(new InputError(null, $"parties[{i}]", "must be an object"));
                continue;
            }

            Known(p, path, PartyFields, errors);
            var id = Str(p, "id", errors, path);
            if (string.IsNullOrWhiteSpace(id) || !IsToken(id))
            {
                errors.Add(new InputError(null, path + "id", IdRefusal(id)));
                continue;
            }

            if (id == "center")
            {
                // The center's own records in the ledger are owned by "center": no party may take that name.
                errors.Add(new InputError(null, path + "id", "'center' is reserved for the center itself"));
                continue;
            }

            var role = (Str(p, "role", errors, path) ?? "member") switch
            {
                "member" => PartyRole.Member,
                "observer" or "monitor" => PartyRole.Observer,
                "admin" or "administrator" => PartyRole.Administrator,
                var other => Invalid(errors, path + "role", $"unknown role '{other}' (member, observer, admin)"),
            };
            var signingKeys = Strings(p, "signing_keys", errors, path) ?? [];
            foreach (var key in signingKeys.Where(k => !IsSigningKey(k)))
            {
                errors.Add(new InputError(null, path + "signing_keys", $"'{(key.Length > 64 ? key[..64] + "…" : key)}' is not 'ed25519:' and the base64 of a 32-byte public key"));
            }

            var webhookNetworks = Strings(p, "webhook_networks", errors, path) ?? [];
            foreach (var network in webhookNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
            {
                errors.Add(new InputError(null, path + "webhook_networks", $"'{(network.Length > 64 ? network[..64] + "…" : network)}' is not a network prefix (e.g. 10.20.0.0/16 or fd00:1::/64)"));
            }

            parties.Add(new Party(new PartyId(id), Str(p, "name", errors, path) ?? id, role, Str(p, "witness_key", errors, path),
                ReadIdentity(p, path, errors)) { SigningKeys = signingKeys, WebhookNetworks = webhookNetworks });
        }

        return parties;
    }

    private static PartyIdentity? ReadIdentity(JsonObject party, string path, List<InputError> errors)
    {
        var node = party["identity"];
        if (node is null)
        {
            return null;
        }

        path += "identity";
        if (node is not JsonObject o)
        {
            errors.Add(new InputError(null, path, "must be an object with issuer and jwks or jwks_file"));
            return null;
        }

        path += ".";
        int before = errors.Count;
        Known(o, path, IdentityFields, errors);
        var issuer = NonEmpty(o, "issuer", errors, path);
        if (issuer is null && o["issuer"] is null)
        {
            errors.Add(new InputError(null, path + "issuer", "required: the issuer (iss) of the party's tokens"));
        }

        var audience = NonEmpty(o, "audience", errors, path);
        var file = NonEmpty(o, "jwks_file", errors, path);
        string? jwks = null;
        if (o["jwks"] is { } set)
        {
            if (set is JsonObject keySet && keySet["keys"] is JsonArray keys && keys.Count > 0 && keys.All(k => k is JsonObject))
            {
                jwks = keySet.ToJsonString();
            }
            else
            {
                errors.Add(new InputError(null, path + "jwks", "must be a JWKS: an object whose keys array holds at least one key object"));
            }
        }

        if (o["jwks"] is not null && o["jwks_file"] is not null)
        {
            errors.Add(new InputError(null, path + "jwks", "give either jwks or jwks_file, not both"));
        }
        else if (o["jwks"] is null && o["jwks_file"] is null)
        {
            errors.Add(new InputError(null, path + "jwks", "required: the party's keys, inline (jwks) or in a file (jwks_file)"));
        }

        return errors.Count > before ? null : new PartyIdentity(issuer!, audience, jwks, file);
    }

    /// <summary>The rules at <paramref name="name"/>, when given.</summary>
    internal static List<ZoneRule>? ReadRules(JsonObject o, string name, List<InputError> errors)
    {
        if (o[name] is null)
        {
            return null;
        }

        if (o[name] is not JsonArray array)
        {
            errors.Add(new InputError(null, name, "must be an array"));
            return null;
        }

        var rules = new List<ZoneRule>();
        for (int i = 0; i < array.Count; i++)
        {
            string path = $"{name}[{i}].";
            if (array[i] is not JsonObject r)
            {
                errors.Add(new InputError(null, $"{name}[{i}]", "must be an object"));
                continue;
            }

            Known(r, path, RuleFields, errors);
            var op = Str(r, "operation", errors, path);
            if (string.IsNullOrWhiteSpace(op))
            {
                errors.Add(new InputError(null, path + "operation", "required: an operation kind"));
                continue;
            }

            var kinds = new List<ZoneKind>();
            foreach (var z in Strings(r, "zones", errors, path) ?? [])
            {
                if (ZoneKinds.TryParse(z, out var kind))
                {
                    kinds.Add(kind);
                }
                else
                {
                    errors.Add(new InputError(null, path + "zones", $"unknown zone kind '{z}' (protected, restricted, designated)"));
                }
            }

            rules.Add(new ZoneRule(op, kinds));
        }

        return rules;
    }

    private static PartyRole Invalid(List<InputError> errors, string field, string message)
    {
        errors.Add(new InputError(null, field, message));
        return PartyRole.Member;
    }

    /// <summary>Whether <paramref name="key"/> reads as a submission key: <c>ed25519:</c> and 32 bytes in base64.</summary>
    public static bool IsSigningKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        const string Prefix = "ed25519:";
        Span<byte> bytes = stackalloc byte[33];
        return key.StartsWith(Prefix, StringComparison.Ordinal) &&
            Convert.TryFromBase64String(key[Prefix.Length..], bytes, out int written) && written == 32;
    }
}
