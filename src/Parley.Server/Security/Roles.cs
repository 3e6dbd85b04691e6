namespace Parley.Server.Security;

/// <summary>The roles a token may carry (in its <c>scope</c> claim).</summary>
public static class Roles
{
    /// <summary>Declares zones and operations.</summary>
    public const string Operator = "operator";

    /// <summary>Answers concurrence requests.</summary>
    public const string Approver = "approver";

    /// <summary>Reports incidents and reads compliance.</summary>
    public const string Monitor = "monitor";

    /// <summary>Manages the agreement.</summary>
    public const string Admin = "admin";

    /// <summary>Every role.</summary>
    public static readonly IReadOnlyList<string> All = [Operator, Approver, Monitor, Admin];
}
