using Parley.Core.Model;

namespace Parley.Core.Agreements;

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
