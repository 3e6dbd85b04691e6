using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// A name's limit of 200 characters was counted in UTF-16 units, so a name of 101 characters outside the Basic
/// Multilingual Plane (scripts, symbols) was refused as too long. Names are counted in Unicode scalar values, as the
/// user guide says.
/// </summary>
public class Bug_a_names_length_was_counted_in_utf16_units
{
    [Fact]
    public void a_name_of_200_characters_outside_the_bmp_is_read()
    {
        string name = string.Concat(Enumerable.Repeat("\U0001F3E5", 200)); // 400 UTF-16 units
        var zone = Assert.Single(StreamingFeatureReader.ReadZones(System.Text.Encoding.UTF8.GetBytes(
            FeatureReaderTests.Feature(extra: $$""","name":"{{name}}" """)), Parley.Core.Agreements.Agreement.Default()));
        Assert.Equal(name, zone.Name);
    }

    [Fact]
    public void a_name_of_201_characters_is_refused_saying_how_it_is_counted()
    {
        string name = string.Concat(Enumerable.Repeat("\U0001F3E5", 201));
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(extra: $$""","name":"{{name}}" """));
        Assert.Equal("properties.name", error.Field);
        Assert.Contains("Unicode scalar values", error.Message, StringComparison.Ordinal);
    }
}
