using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Interop.Import;

/// <summary>How imported zones become Parley zones.</summary>
public sealed record ImportOptions
{
    /// <summary>The start of zones the source gives no start for (permanent airspace, an activation window open at its start).</summary>
    public required DateTimeOffset DefaultStart { get; init; }

    /// <summary>One kind for every zone, instead of <see cref="Mapping"/>.</summary>
    public ZoneKind? Kind { get; init; }

    /// <summary>The source class → zone kind mapping; null: the format's default.</summary>
    public KindMapping? Mapping { get; init; }

    /// <summary>The owner written into every feature; null: none (the server takes the declaring party).</summary>
    public PartyId? Owner { get; init; }

    /// <summary>The visibility of every zone.</summary>
    public Visibility Visibility { get; init; } = Visibility.Private;

    /// <summary>The parties a <see cref="Visibility.Parties"/> zone is shared with.</summary>
    public IReadOnlyList<PartyId> SharedWith { get; init; } = [];

    /// <summary>The assumed ground elevation in metres above mean sea level, for limits given above the ground.</summary>
    public double GroundMetres { get; init; }

    /// <summary>Import what can be read and list the rest, instead of refusing the file at its first bad record.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>Put before every feature id.</summary>
    public string IdPrefix { get; init; } = "";

    /// <summary>The agreement the features are checked against (vertex limit, parties); null: the default rules.</summary>
    public Agreement? Agreement { get; init; }
}
