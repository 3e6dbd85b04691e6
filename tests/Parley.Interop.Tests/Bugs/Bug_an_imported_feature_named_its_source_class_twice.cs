using Parley.Core.Features;
using Parley.Interop.Import;
using Parley.Interop.OpenAir;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.Bugs;

/// <summary>
/// The importer wrote <c>source.class</c> from the mapping key and again from the record's attributes: every OpenAir
/// feature held the property twice, which the server refuses (readers differ on which one counts).
/// </summary>
public sealed class Bug_an_imported_feature_named_its_source_class_twice
{
    [Fact]
    public void an_openair_feature_names_its_class_and_type_once_each_and_parses_as_the_server_parses_it()
    {
        var result = ZoneImporter.Convert("openair", OpenAirReader.Read("AC D\nAY TMA\nAN T\nAL GND\nAH FL95\nV X=54:00:00 N 010:00:00 E\nDC 2\n"),
            KindMapping.OpenAirDefault, TestFiles.Options());
        using var document = FeatureReader.ParseJson(result.Features[0].Utf8);
        var source = document.RootElement.GetProperty("properties").GetProperty("source");
        Assert.Equal(1, source.EnumerateObject().Count(p => p.Name == "class"));
        Assert.Equal("D", source.GetProperty("class").GetString());
        Assert.Equal("TMA", source.GetProperty("type").GetString());
    }
}
