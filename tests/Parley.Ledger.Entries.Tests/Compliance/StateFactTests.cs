using System.Text;
using Parley.Ledger.Entries.Compliance;

namespace Parley.Ledger.Entries.Tests.Compliance;

/// <summary>The one-pass reader of operation and request facts reads what the document reader reads, escaped names too.</summary>
public sealed class StateFactTests
{
    private const string Operation =
        """{"content":{"at":"2026-01-05T00:02:19Z","from":null,"owner":"blue","shared_with":["unmo"],"state":"accepted","type":"operation-fact","visibility":"parties"},"salt":"x"}""";

    [Fact]
    public void an_operation_fact_reads_the_same_with_its_names_escaped()
    {
        var plain = StateFact.TryRead(Encoding.UTF8.GetBytes(Operation));
        var escaped = StateFact.TryRead(Encoding.UTF8.GetBytes(Operation
            .Replace("\"owner\"", "\"\\u006fwner\"", StringComparison.Ordinal)
            .Replace("\"shared_with\"", "\"shared\\u005fwith\"", StringComparison.Ordinal)));
        var read = Assert.IsType<OperationRead>(plain);
        Assert.Equal("blue", read.Owner);
        Assert.Equal(["unmo"], read.Audience.SharedWith);
        Assert.Equal(-1, read.From);
        Assert.Equal(read, escaped);
    }

    [Fact]
    public void a_fact_of_another_type_is_left_to_the_document_reader_and_a_missing_member_is_named()
    {
        Assert.Null(StateFact.TryRead(Encoding.UTF8.GetBytes("""{"content":{"incident":"i","type":"incident-grade"},"salt":"x"}""")));
        var missing = Assert.Throws<KeyNotFoundException>(() => StateFact.TryRead(Encoding.UTF8.GetBytes(Operation.Replace("\"state\":\"accepted\",", "", StringComparison.Ordinal))));
        Assert.Contains("state", missing.Message, StringComparison.Ordinal);
    }
}
