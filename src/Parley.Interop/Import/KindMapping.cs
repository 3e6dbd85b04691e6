using System.Text.Json;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Interop.Import;

/// <summary>
/// Which zone kind each class or restriction type of a source format becomes, or that it is left out.
/// Keys are compared without regard to case; <c>*</c> is every class not named.
/// </summary>
public sealed class KindMapping
{
    private readonly Dictionary<string, ZoneKind?> _map;
    private readonly ZoneKind? _otherwise;

    private KindMapping(Dictionary<string, ZoneKind?> map, ZoneKind? otherwise)
    {
        _map = map;
        _otherwise = otherwise;
    }

    /// <summary>
    /// OpenAir: every class and type is <c>restricted</c> (prohibited, restricted, danger, controlled, TMZ, RMZ …),
    /// except wave windows (<c>W</c>) and gliding sectors (<c>GSEC</c>), which are <c>designated</c>.
    /// </summary>
    public static KindMapping OpenAirDefault { get; } = Of(ZoneKind.Restricted, ("W", ZoneKind.Designated), ("GSEC", ZoneKind.Designated));

    /// <summary>ED-269 restriction: <c>PROHIBITED</c>, <c>REQ_AUTHORISATION</c>, <c>CONDITIONAL</c> are <c>restricted</c>; <c>NO_RESTRICTION</c> is <c>designated</c>.</summary>
    public static KindMapping Ed269Default { get; } = Of(ZoneKind.Restricted, ("NO_RESTRICTION", ZoneKind.Designated));

    /// <summary>ED-318 type: <c>PROHIBITED</c>, <c>REQ_AUTHORIZATION</c>, <c>CONDITIONAL</c> are <c>restricted</c>; <c>USPACE</c> and <c>NO_RESTRICTION</c> are <c>designated</c>.</summary>
    public static KindMapping Ed318Default { get; } = Of(ZoneKind.Restricted, ("USPACE", ZoneKind.Designated), ("NO_RESTRICTION", ZoneKind.Designated));

    /// <summary>The kind of <paramref name="sourceClass"/>, or null when it is left out.</summary>
    public ZoneKind? Map(string sourceClass) =>
        _map.TryGetValue(sourceClass.Trim(), out var kind) ? kind : _otherwise;

    /// <summary>
    /// Reads a mapping file, a JSON object from class to <c>protected</c>, <c>restricted</c>, <c>designated</c> or
    /// <c>skip</c>, e.g. <c>{"P": "protected", "Q": "skip", "*": "restricted"}</c>; classes it does not name keep
    /// <paramref name="defaults"/>.
    /// </summary>
    /// <exception cref="InputRejectedException">Not such an object, or an unknown kind.</exception>
    public static KindMapping Parse(string json, KindMapping defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InputRejectedException(new InputError(null, "$", $"malformed JSON at line {e.LineNumber + 1}: expected an object from class to kind"));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InputRejectedException(new InputError(null, "$", "expected an object from class to kind, e.g. {\"P\": \"protected\", \"*\": \"restricted\"}"));
            }

            var map = new Dictionary<string, ZoneKind?>(defaults._map, StringComparer.OrdinalIgnoreCase);
            var otherwise = defaults._otherwise;
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                string? value = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                ZoneKind? kind;
                if (value == "skip")
                {
                    kind = null;
                }
                else if (value is not null && ZoneKinds.TryParse(value, out var parsed))
                {
                    kind = parsed;
                }
                else
                {
                    throw new InputRejectedException(new InputError(null, entry.Name, "must be \"protected\", \"restricted\", \"designated\" or \"skip\""));
                }

                if (entry.Name == "*")
                {
                    otherwise = kind;
                }
                else
                {
                    map[entry.Name.Trim()] = kind;
                }
            }

            return new KindMapping(map, otherwise);
        }
    }

    private static KindMapping Of(ZoneKind otherwise, params (string Class, ZoneKind Kind)[] entries) =>
        new(entries.ToDictionary(e => e.Class, e => (ZoneKind?)e.Kind, StringComparer.OrdinalIgnoreCase), otherwise);
}
