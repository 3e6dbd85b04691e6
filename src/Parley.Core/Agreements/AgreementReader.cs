using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Parley.Core.Agreements;

/// <summary>Reads an agreement from its JSON or YAML text; fields not given keep the defaults.</summary>
/// <remarks>
/// Fields: <c>id</c>, <c>name</c>, <c>version</c>, <c>parties</c> (<c>id</c>, <c>name</c>, <c>role</c>:
/// member|observer|admin, <c>witness_key</c>: a vkey for cosigning checkpoints, <c>identity</c>: the party's identity
/// provider with <c>issuer</c>, optional <c>audience</c> and one of <c>jwks</c> (inline) or <c>jwks_file</c>),
/// <c>operation_kinds</c>, <c>airborne_kinds</c>, <c>rules</c> (<c>operation</c>, <c>zones</c>), <c>separation</c>
/// (<c>lateral_m</c>, <c>vertical_m</c>), <c>max_vertices</c>, <c>concurrence_deadline_minutes</c>,
/// <c>disclosure_resolution_m</c>, <c>token_audience</c>, <c>token_clock_skew_s</c>,
/// <c>signature_window_s</c>, <c>disclosure_time_resolution_minutes</c>, <c>probing_budget</c>
/// (<c>per_hour</c>, <c>per_day</c>); per party also <c>signing_keys</c> (<c>ed25519:</c> base64 public keys) and
/// <c>webhook_networks</c> (private network prefixes its webhooks may reach).
/// The reader does no I/O: a <c>jwks_file</c> is kept as a path for the server to read.
/// </remarks>
public static class AgreementReader
{
    /// <summary>Parses JSON (when the text starts with '{') or YAML.</summary>
    /// <exception cref="InputRejectedException">The text is malformed or a field is invalid.</exception>
    public static Agreement Parse(string text)
    {
        JsonNode? root;
        try
        {
            root = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : YamlToJson(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new InputRejectedException(new InputError(null, "$", $"malformed agreement: {e.Message}"));
        }

        if (root is not JsonObject o)
        {
            throw new InputRejectedException(new InputError(null, "$", "an agreement must be an object"));
        }

        var errors = new List<InputError>();
        var id = Str(o, "id", errors);
        if (string.IsNullOrWhiteSpace(id))
        {
            errors.Add(new InputError(null, "id", "required: the agreement id"));
        }

        var agreement = Agreement.Default(id ?? "invalid");
        agreement = agreement with
        {
            Name = Str(o, "name", errors) ?? agreement.Name,
            Version = (int)(Num(o, "version", errors, 1, int.MaxValue) ?? agreement.Version),
            Parties = ReadParties(o, errors) ?? agreement.Parties,
            OperationKinds = Strings(o, "operation_kinds", errors) ?? agreement.OperationKinds,
            AirborneKinds = Strings(o, "airborne_kinds", errors) ?? agreement.AirborneKinds,
            ZoneRules = ReadRules(o, errors) ?? agreement.ZoneRules,
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

        if (Num(o, "concurrence_deadline_minutes", errors, 1, 525_600) is { } minutes)
        {
            agreement = agreement with { ConcurrenceDeadline = TimeSpan.FromMinutes(minutes) };
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

        if (o["probing_budget"] is JsonObject budget)
        {
            agreement = agreement with
            {
                ProbingBudget = new ProbingBudget(
                    Count(budget, "per_hour", errors, 1_000_000, "probing_budget.") ?? agreement.ProbingBudget.PerHour,
                    Count(budget, "per_day", errors, 10_000_000, "probing_budget.") ?? agreement.ProbingBudget.PerDay),
            };
        }
        else if (o["probing_budget"] is not null)
        {
            errors.Add(new InputError(null, "probing_budget", "must be an object with per_hour and per_day"));
        }

        if (o["separation"] is JsonObject sep)
        {
            agreement = agreement with
            {
                Separation = new SeparationMinima(
                    Num(sep, "lateral_m", errors, 0, 1e7, "separation.") ?? agreement.Separation.LateralMetres,
                    Num(sep, "vertical_m", errors, 0, 1e6, "separation.") ?? agreement.Separation.VerticalMetres),
            };
        }
        else if (o["separation"] is not null)
        {
            errors.Add(new InputError(null, "separation", "must be an object with lateral_m and vertical_m"));
        }

        foreach (var kind in agreement.AirborneKinds.Concat(agreement.ZoneRules.Select(r => r.OperationKind)))
        {
            if (!agreement.OperationKinds.Contains(kind))
            {
                errors.Add(new InputError(null, "operation_kinds", $"kind '{kind}' is used by a rule but not declared"));
            }
        }

        var duplicate = agreement.Parties.GroupBy(p => p.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            errors.Add(new InputError(null, "parties", $"party '{duplicate.Key}' is declared twice"));
        }

        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        return agreement;
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

            var id = Str(p, "id", errors, path);
            if (string.IsNullOrWhiteSpace(id) || !IsToken(id))
            {
                errors.Add(new InputError(null, path + "id", "required: letters, digits, '-', '_' or '.'"));
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

    private static readonly string[] IdentityFields = ["issuer", "audience", "jwks", "jwks_file"];

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
        foreach (var (name, _) in o)
        {
            if (!IdentityFields.Contains(name))
            {
                errors.Add(new InputError(null, path + name, $"unknown field ({string.Join(", ", IdentityFields)})"));
            }
        }

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

    private static List<ZoneRule>? ReadRules(JsonObject o, List<InputError> errors)
    {
        if (o["rules"] is null)
        {
            return null;
        }

        if (o["rules"] is not JsonArray array)
        {
            errors.Add(new InputError(null, "rules", "must be an array"));
            return null;
        }

        var rules = new List<ZoneRule>();
        for (int i = 0; i < array.Count; i++)
        {
            string path = $"rules[{i}].";
            if (array[i] is not JsonObject r)
            {
                errors.Add(new InputError(null, $"rules[{i}]", "must be an object"));
                continue;
            }

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
        const string Prefix = "ed25519:";
        Span<byte> bytes = stackalloc byte[33];
        return key.StartsWith(Prefix, StringComparison.Ordinal) &&
            Convert.TryFromBase64String(key[Prefix.Length..], bytes, out int written) && written == 32;
    }

    internal static bool IsToken(string s) =>
        s.Length is > 0 and <= 128 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static string? Str(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue(out string? s))
        {
            return s;
        }

        errors.Add(new InputError(null, path + name, "must be a string"));
        return null;
    }

    /// <summary>A string that, when given, must not be blank.</summary>
    private static string? NonEmpty(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        var s = Str(o, name, errors, path);
        if (s is not null && string.IsNullOrWhiteSpace(s))
        {
            errors.Add(new InputError(null, path + name, "must not be empty"));
            return null;
        }

        return s;
    }

    private static double? Num(JsonObject o, string name, List<InputError> errors, double min, double max, string path = "")
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        double value;
        if (node is JsonValue v && v.TryGetValue(out double d))
        {
            value = d;
        }
        else if (node is JsonValue sv && sv.TryGetValue(out string? s) &&
                 double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }
        else
        {
            errors.Add(new InputError(null, path + name, "must be a number"));
            return null;
        }

        if (!double.IsFinite(value) || value < min || value > max)
        {
            errors.Add(new InputError(null, path + name, $"must be between {min} and {max}"));
            return null;
        }

        return value;
    }

    private static int? Count(JsonObject o, string name, List<InputError> errors, int max, string path)
    {
        if (Num(o, name, errors, 1, max, path) is not { } value)
        {
            return null;
        }

        if (value != Math.Floor(value))
        {
            errors.Add(new InputError(null, path + name, "must be a whole number"));
            return null;
        }

        return (int)value;
    }

    private static List<string>? Strings(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonArray a && a.All(n => n is JsonValue v && v.TryGetValue(out string? _)))
        {
            return [.. a.Select(n => n!.GetValue<string>())];
        }

        errors.Add(new InputError(null, path + name, "must be an array of strings"));
        return null;
    }

    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode m => new JsonObject(m.Children.Select(kv =>
                KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
            YamlSequenceNode s => new JsonArray([.. s.Children.Select(Convert)]),
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } sc when sc.Value is null or "" or "~" or "null" => null,
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } sc when
                double.TryParse(sc.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            YamlScalarNode sc => JsonValue.Create(sc.Value),
            _ => null,
        };
    }
}

/// <summary>Wire names of zone kinds.</summary>
public static class ZoneKinds
{
    /// <summary>Parses <c>protected</c>, <c>restricted</c> or <c>designated</c>.</summary>
    public static bool TryParse(string? text, out ZoneKind kind)
    {
        switch (text)
        {
            case "protected": kind = ZoneKind.Protected; return true;
            case "restricted": kind = ZoneKind.Restricted; return true;
            case "designated": kind = ZoneKind.Designated; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The wire name of a zone kind.</summary>
    public static string Name(ZoneKind kind) => kind switch
    {
        ZoneKind.Protected => "protected",
        ZoneKind.Restricted => "restricted",
        _ => "designated",
    };
}
