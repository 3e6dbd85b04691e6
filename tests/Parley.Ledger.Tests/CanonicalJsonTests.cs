using System.Text;

namespace Parley.Ledger.Tests;

public sealed class CanonicalJsonTests
{
    // Number serialisation examples of RFC 8785 Appendix B (IEEE 754 hex → ECMAScript form).
    [Theory]
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void numbers_are_written_as_rfc_8785_appendix_b_says(ulong bits, string expected)
    {
        Assert.Equal(expected, CanonicalJson.Number(BitConverter.UInt64BitsToDouble(bits)));
    }

    [Fact]
    public void members_are_sorted_by_utf16_code_units_and_whitespace_is_removed()
    {
        // The sorting example of RFC 8785 §3.2.3 (keys only).
        string input = """{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""";
        string output = Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(input)));
        var keys = System.Text.Json.JsonDocument.Parse(output).RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"], keys);
    }

    [Fact]
    public void the_rfc_8785_example_canonicalizes_to_the_published_text()
    {
        string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        string expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        Assert.Equal(expected, Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(input))));
    }
}

public sealed class CanonicalJsonOfBuiltNodesTests
{
    [Fact]
    public void nodes_built_in_code_serialize_like_the_same_json_parsed_from_text()
    {
        var built = new System.Text.Json.Nodes.JsonObject
        {
            ["b"] = "text", ["a"] = 42L, ["c"] = 1.5, ["d"] = true, ["e"] = null,
            ["f"] = new System.Text.Json.Nodes.JsonArray(1, "x"),
        };
        string parsed = """{"e":null,"d":true,"c":1.5,"b":"text","a":42,"f":[1,"x"]}""";
        Assert.Equal(CanonicalJson.Canonicalize(System.Text.Encoding.UTF8.GetBytes(parsed)), CanonicalJson.Serialize(built));
    }
}
