namespace Parley.Core;

/// <summary>
/// Marks a public type whose instances change after they are built, and says why; every other public type of the
/// core is immutable (a test checks both).
/// </summary>
/// <param name="reason">Why the type is mutable: what changes, and who changes it.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class MutableAttribute(string reason) : Attribute
{
    /// <summary>Why the type is mutable.</summary>
    public string Reason { get; } = reason;
}
