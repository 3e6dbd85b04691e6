namespace Parley.Ledger.Tests.Bugs;

/// <summary>
/// A verifier key is <c>name+hexkeyid+base64key</c>, and base64 may itself hold '+': splitting the key at every '+'
/// refused such keys as malformed. It is now split into three parts at most.
/// </summary>
public sealed class Bug_a_verifier_key_whose_base64_holds_a_plus_sign_was_refused
{
    [Fact]
    public void a_verifier_key_whose_base64_contains_a_plus_sign_parses()
    {
        // A verifier key of the transparency-dev/formats tests whose key data contains '+'.
        var key = VerifierKey.Parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6");
        Assert.Equal("TEST", key.Name);
        Assert.Equal(0x7997405cu, key.KeyId);
    }
}
