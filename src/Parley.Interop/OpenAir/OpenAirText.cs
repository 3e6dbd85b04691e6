using System.Text;

namespace Parley.Interop.OpenAir;

/// <summary>Decodes the bytes of a text file as the airspace world writes them: UTF-8 when it is valid UTF-8, otherwise Latin-1.</summary>
public static class OpenAirText
{
    /// <summary>The text of <paramref name="bytes"/>: UTF-8 (a byte-order mark dropped) when valid, else Latin-1 (every byte a character).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }
}
