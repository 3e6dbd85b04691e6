namespace Parley.Core.Model;

/// <summary>Wire names of the incident vocabulary: kinds, precisions, replies, grades and standings.</summary>
public static class IncidentNames
{
    /// <summary>The incident kinds, by wire name.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["strike", "shelling", "overflight", "ground-incursion", "obstruction", "other"];

    /// <summary>The reply kinds, by wire name.</summary>
    public static readonly IReadOnlyList<string> Replies = ["admit", "deny", "explain", "request-information"];

    /// <summary>The grades monitors give, by wire name (confirmed is not among them: only an admission confirms).</summary>
    public static readonly IReadOnlyList<string> Grades = ["weak", "fair", "contested", "discounted"];

    /// <summary>The source types, by wire name.</summary>
    public static readonly IReadOnlyList<string> SourceTypes = ["observer", "witness", "media", "imagery", "official", "party", "other"];

    /// <summary>The wire name of a kind.</summary>
    public static string Name(IncidentKind kind) => Kinds[(int)kind];

    /// <summary>Parses a kind's wire name.</summary>
    public static bool TryParse(string? text, out IncidentKind kind) => TryIndex(Kinds, text, out kind);

    /// <summary>The wire name of a reply kind.</summary>
    public static string Name(ReplyKind kind) => Replies[(int)kind];

    /// <summary>Parses a reply kind's wire name.</summary>
    public static bool TryParse(string? text, out ReplyKind kind) => TryIndex(Replies, text, out kind);

    /// <summary>The wire name of a grade.</summary>
    public static string Name(IncidentGrade grade) => Grades[(int)grade];

    /// <summary>Parses a grade's wire name.</summary>
    public static bool TryParse(string? text, out IncidentGrade grade) => TryIndex(Grades, text, out grade);

    /// <summary>The wire name of a time precision: exact, day, week or month.</summary>
    public static string Name(TimePrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Parses a time precision's wire name.</summary>
    public static bool TryParse(string? text, out TimePrecision precision) =>
        TryIndex(["exact", "day", "week", "month"], text, out precision);

    /// <summary>The wire name of a location precision: exact, town, district or province.</summary>
    public static string Name(LocationPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Parses a location precision's wire name.</summary>
    public static bool TryParse(string? text, out LocationPrecision precision) =>
        TryIndex(["exact", "town", "district", "province"], text, out precision);

    /// <summary>The wire name of a standing: awaited, replied, replied-late or silent.</summary>
    public static string Name(ReplyStanding standing) => standing switch
    {
        ReplyStanding.Awaited => "awaited",
        ReplyStanding.Replied => "replied",
        ReplyStanding.RepliedLate => "replied-late",
        _ => "silent",
    };

    /// <summary>
    /// The uncertainty, in metres, that a location precision stands for around the point given: a town 5 km, a district
    /// 25 km, a province 100 km (UCDP's "within 25 km" for its second precision; wide on purpose, so that nothing the
    /// incident may have touched is left out).
    /// </summary>
    public static double RadiusMetres(LocationPrecision precision) => precision switch
    {
        LocationPrecision.Town => 5_000,
        LocationPrecision.District => 25_000,
        LocationPrecision.Province => 100_000,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), "an exact location carries its own uncertainty"),
    };

    private static bool TryIndex<T>(IReadOnlyList<string> names, string? text, out T value)
        where T : struct, Enum
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == text)
            {
                value = (T)Enum.ToObject(typeof(T), i);
                return true;
            }
        }

        value = default;
        return false;
    }
}
