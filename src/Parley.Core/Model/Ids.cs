namespace Parley.Core.Model;

/// <summary>Identifies an agreement (and its theater and ledger).</summary>
public readonly record struct AgreementId(string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>Identifies a party of an agreement.</summary>
public readonly record struct PartyId(string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>Identifies a zone within an agreement (the GeoJSON Feature id).</summary>
public readonly record struct ZoneId(string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>Identifies an operation within an agreement (the GeoJSON Feature id).</summary>
public readonly record struct OperationId(string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}
