using System.Globalization;

namespace Parley.Core.Model;

/// <summary>
/// The grammar of every id a party writes (agreements, parties, zones, operations, incidents, terms): 1 to 128 ASCII
/// letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, <c>:</c> or <c>~</c>. Being ASCII, an id's bytes are its characters.
/// </summary>
/// <remarks>
/// Parties deceive each other: an id must not be able to pass for another party's. Outside ASCII, text can hold
/// invisible characters (U+200B, U+200D, U+2060), bidirectional controls (U+202E), letters that look like Latin
/// ones (Cyrillic о) and equal strings in different normal forms (NFC, NFD); none of these can be in an id. Names
/// stay free Unicode text, shown with their owner.
/// </remarks>
public static class IdGrammar
{
    /// <summary>The most bytes (and characters) an id holds.</summary>
    public const int MaxLength = 128;

    /// <summary>The grammar in words, as refusals state it.</summary>
    public const string Description = "1 to 128 ASCII letters, digits, '-', '_', '.', ':' or '~'";

    /// <summary>Whether <paramref name="id"/> follows the grammar.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!IsIdChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the UTF-8 text <paramref name="utf8"/> follows the grammar.</summary>
    public static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (byte b in utf8)
        {
            if (b >= 0x80 || !IsIdChar((char)b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Why <paramref name="id"/> is not an id, naming the first character outside the grammar by its code point
    /// (an invisible one would otherwise go unseen); null when it is one.
    /// </summary>
    public static string? Refusal(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 0)
        {
            return $"must be {Description}: it is empty";
        }

        int at = 0;
        foreach (var rune in id.EnumerateRunes())
        {
            if (rune.Value >= 0x80 || !IsIdChar((char)rune.Value))
            {
                string shown = rune.Value is >= 0x21 and < 0x7F ? $" '{rune}'" : "";
                return $"must be {Description}: character {at + 1} (U+{rune.Value.ToString("X4", CultureInfo.InvariantCulture)}{shown}) is not allowed";
            }

            at++;
        }

        return id.Length > MaxLength ? $"must be {Description}: it has {id.Length}" : null;
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '~';
}
