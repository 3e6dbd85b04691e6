using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Parley.Tests.Shared;

/// <summary>
/// The rule behind the mutability tests: what makes a public type immutable, read by reflection (after NodaTime's
/// MutabilityTest).
/// </summary>
/// <remarks>
/// A class, record or struct is immutable when nothing can change an instance once it is built:
/// <list type="bullet">
/// <item>every instance field it declares, of any visibility (auto-property backing fields included), is readonly;</item>
/// <item>no public instance property has a public setter (an <c>init</c> accessor sets a new value only);</item>
/// <item>every field and every public property holds a value that cannot change either: a primitive, a string, an
/// enum, a time, an immutable collection, a read-only collection interface (<c>IReadOnlyList&lt;T&gt;</c>, …) of such
/// values, or a type of the checked assembly that is itself immutable. An array, a <c>List&lt;T&gt;</c> or a
/// dictionary can change under its holder.</item>
/// </list>
/// A type may instead be marked mutable (an attribute named <c>MutableAttribute</c> giving the reason): the mark states
/// the exception once, so a value holding such a type is judged on its own fields. Interfaces (contracts without
/// state), delegates, enums, static classes, attributes and exceptions are not checked; fields inherited from types
/// outside the checked assembly are not either. A read-only interface is trusted to be what it declares.
/// </remarks>
internal static class Mutability
{
    private static readonly HashSet<Type> ImmutableLeaves =
    [
        typeof(string), typeof(decimal), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(DateOnly),
        typeof(TimeOnly), typeof(Guid), typeof(Uri), typeof(Type), typeof(object),
    ];

    private static readonly HashSet<Type> ReadOnlyGenerics =
    [
        typeof(IReadOnlyList<>), typeof(IReadOnlyCollection<>), typeof(IEnumerable<>), typeof(IReadOnlyDictionary<,>),
        typeof(IReadOnlySet<>), typeof(Nullable<>), typeof(ReadOnlyMemory<>), typeof(KeyValuePair<,>),
        typeof(ImmutableArray<>), typeof(ImmutableList<>), typeof(ImmutableDictionary<,>), typeof(ImmutableHashSet<>),
        typeof(ImmutableSortedDictionary<,>), typeof(ImmutableSortedSet<>), typeof(IImmutableList<>),
        typeof(IImmutableDictionary<,>), typeof(IImmutableSet<>), typeof(Lazy<>),
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>),
        typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>),
    ];

    /// <summary>The public types of <paramref name="assembly"/> the rule applies to.</summary>
    public static IEnumerable<Type> CheckedTypes(Assembly assembly) =>
        assembly.GetExportedTypes()
            .Where(t => !t.IsInterface && !t.IsEnum && !(t.IsAbstract && t.IsSealed) && !typeof(Delegate).IsAssignableFrom(t)
                && !typeof(Exception).IsAssignableFrom(t) && !typeof(Attribute).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>What makes <paramref name="type"/> mutable; empty when it is immutable.</summary>
    /// <param name="type">The type to check.</param>
    /// <param name="reasonOf">The reason a type is declared mutable, or null; by default its <c>MutableAttribute</c>'s.</param>
    public static List<string> Problems(Type type, Func<Type, string?>? reasonOf = null) => Problems(type, [type], reasonOf ?? MutableAttributeOf);

    private static List<string> Problems(Type type, HashSet<Type> visiting, Func<Type, string?> reasonOf)
    {
        var problems = new List<string>();
        for (var declaring = type; declaring is not null && declaring.Assembly == type.Assembly; declaring = declaring.BaseType)
        {
            foreach (var field in declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                string name = Name(field);
                if (!field.IsInitOnly)
                {
                    problems.Add($"{name} is not readonly");
                }
                else if (Why(field.FieldType, type.Assembly, visiting, reasonOf) is { } why)
                {
                    problems.Add($"{name} holds {why}");
                }
            }
        }

        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var setter = property.SetMethod;
            if (setter is { IsPublic: true } && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
            {
                problems.Add($"property {property.Name} has a public setter");
            }

            if (!problems.Any(p => p.StartsWith($"property {property.Name} ", StringComparison.Ordinal))
                && Why(property.PropertyType, type.Assembly, visiting, reasonOf) is { } why)
            {
                problems.Add($"property {property.Name} is {why}");
            }
        }

        return [.. problems.Distinct()];
    }

    /// <summary>Why a value of <paramref name="type"/> can change, or null when it cannot.</summary>
    private static string? Why(Type type, Assembly home, HashSet<Type> visiting, Func<Type, string?> reasonOf)
    {
        // A delegate cannot change once made (what it closes over is its maker's to answer for).
        if (type.IsPrimitive || type.IsEnum || ImmutableLeaves.Contains(type) || typeof(Delegate).IsAssignableFrom(type))
        {
            return null;
        }

        if (type.IsArray)
        {
            return $"an array ({Display(type)})";
        }

        if (type.IsGenericType && ReadOnlyGenerics.Contains(type.GetGenericTypeDefinition()))
        {
            return type.GetGenericArguments().Select(a => Why(a, home, visiting, reasonOf)).FirstOrDefault(w => w is not null);
        }

        if (type.IsGenericParameter)
        {
            return null; // checked where it is bound
        }

        if (type.Assembly == home && !type.IsInterface)
        {
            if (!visiting.Add(type))
            {
                return null; // a type that holds itself is judged once
            }

            try
            {
                // A type marked mutable states its exception once, where it is marked; its holders are judged on their own state.
                return reasonOf(type) is null && Problems(type, visiting, reasonOf).Count > 0 ? $"a mutable {Display(type)}" : null;
            }
            finally
            {
                visiting.Remove(type);
            }
        }

        if (type.IsInterface && type.Assembly == home)
        {
            return null; // a contract: its implementations are checked as types of their own
        }

        return $"a {Display(type)}, which can change";
    }

    /// <summary>The reason a type declares for being mutable, from an attribute named <c>MutableAttribute</c>, or null.</summary>
    public static string? MutableAttributeOf(Type type) =>
        type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == "MutableAttribute") is { } attribute
            ? attribute.ConstructorArguments.FirstOrDefault().Value as string ?? ""
            : null;

    private static string Name(FieldInfo field) =>
        field.Name.StartsWith('<') && field.Name.Contains(">k__BackingField", StringComparison.Ordinal)
            ? $"property {field.Name[1..field.Name.IndexOf('>', StringComparison.Ordinal)]}"
            : $"field {field.Name}";

    private static string Display(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Display))}>"
            : type.Name;
}
