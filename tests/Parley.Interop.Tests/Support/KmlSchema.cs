using System.Diagnostics;

namespace Parley.Interop.Tests.Support;

/// <summary>Validates KML against the OGC KML 2.2 schema (kept in Files/kml/schema) with xmllint, offline.</summary>
internal static class KmlSchema
{
    /// <summary>xmllint's verdict on <paramref name="kml"/>: null when valid, else its messages. Skips the test when xmllint is absent.</summary>
    public static string? Errors(byte[] kml)
    {
        string folder = Path.Combine(Path.GetTempPath(), "parley-kml-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string schema = TestFiles.Path("kml/schema/ogc/kml/2.2.0/ogckml22.xsd");
            string xal = TestFiles.Path("kml/schema/oasis/ciq/2.0/xAL.xsd");
            // ogckml22.xsd imports xAL from a remote URL: a catalog maps it to the copy kept here.
            string catalog = Path.Combine(folder, "catalog.xml");
            File.WriteAllText(catalog, $"""
                <?xml version="1.0"?>
                <catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
                  <system systemId="http://docs.oasis-open.org/election/external/xAL.xsd" uri="file://{xal}"/>
                </catalog>
                """);
            string file = Path.Combine(folder, "doc.kml");
            File.WriteAllBytes(file, kml);
            var start = new ProcessStartInfo("xmllint", ["--noout", "--nonet", "--schema", schema, file])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            start.Environment["XML_CATALOG_FILES"] = catalog;
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Assert.Skip("xmllint is not installed (Debian: libxml2-utils; scripts/test.sh installs it)");
                return null;
            }

            using (process)
            {
                string errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                return process.ExitCode == 0 ? null : errors;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
