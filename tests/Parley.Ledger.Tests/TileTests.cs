using System.Text;
using CsCheck;

namespace Parley.Ledger.Tests;

/// <summary>The C2SP tlog-tiles layout: paths, tile contents, entry bundles, and trees rebuilt from tiles.</summary>
public sealed class TileTests
{
    private const int BigSize = 70_000;

    private static byte[] Entry(long i) => Encoding.UTF8.GetBytes($"entry {i}");

    private static readonly Lazy<MerkleTree> Big = new(() =>
    {
        var tree = new MerkleTree();
        for (int i = 0; i < BigSize; i++)
        {
            tree.Append(Entry(i));
        }

        return tree;
    });

    private static TiledTree FromTiles(MerkleTree source, long size, List<TileId>? read = null) =>
        new(size, tile =>
        {
            read?.Add(tile);
            return Tiles.HashTile(source, tile);
        });

    [Theory]
    [InlineData(0, 0L, 256, "tile/0/000")]
    [InlineData(0, 5L, 256, "tile/0/005")]
    [InlineData(0, 999L, 256, "tile/0/999")]
    [InlineData(0, 1000L, 256, "tile/0/x001/000")]
    [InlineData(3, 1234067L, 256, "tile/3/x001/x234/067")]
    [InlineData(1, 5L, 17, "tile/1/005.p/17")]
    [InlineData(63, 0L, 1, "tile/63/000.p/1")]
    [InlineData(TileId.EntriesLevel, 0L, 256, "tile/entries/000")]
    [InlineData(TileId.EntriesLevel, 1001L, 3, "tile/entries/x001/001.p/3")]
    [InlineData(0, 1000000L, 255, "tile/0/x001/x000/000.p/255")]
    public void paths_are_written_and_read_back_as_the_specification_encodes_them(int level, long index, int width, string path)
    {
        var tile = new TileId(level, index, width);

        Assert.Equal(path, tile.Path);
        Assert.Equal(tile, Tiles.ParsePath(path));
    }

    [Theory]
    [InlineData("tile/0/5")]
    [InlineData("tile/0/0005")]
    [InlineData("tile/00/000")]
    [InlineData("tile/64/000")]
    [InlineData("tile/-1/000")]
    [InlineData("tile/0/x000/005")]
    [InlineData("tile/0/001/002")]
    [InlineData("tile/0/x01/002")]
    [InlineData("tile/0/000.p/0")]
    [InlineData("tile/0/000.p/256")]
    [InlineData("tile/0/000.p/07")]
    [InlineData("tile/0/000.p")]
    [InlineData("tile/0/000/")]
    [InlineData("tile/entry/000")]
    [InlineData("tiles/0/000")]
    [InlineData("tile/0")]
    public void paths_outside_the_one_encoding_are_refused(string path)
    {
        Assert.False(Tiles.TryParsePath(path, out _));
        Assert.Throws<FormatException>(() => Tiles.ParsePath(path));
    }

    [Fact]
    public void a_tree_of_70000_has_the_tiles_the_specification_lists()
    {
        var tiles = Tiles.HashTilesFor(70_000).ToList();

        Assert.Equal(273, tiles.Count(t => t.Level == 0 && t.IsFull));
        Assert.Equal([new TileId(0, 273, 112)], tiles.Where(t => t.Level == 0 && !t.IsFull));
        Assert.Equal([new TileId(1, 0, 256), new TileId(1, 1, 17)], tiles.Where(t => t.Level == 1));
        Assert.Equal([new TileId(2, 0, 1)], tiles.Where(t => t.Level == 2));
        Assert.Equal(277, tiles.Count);
        Assert.Equal(274, Tiles.EntryBundlesFor(70_000).Count());
        Assert.Equal(new TileId(TileId.EntriesLevel, 273, 112), Tiles.EntryBundlesFor(70_000).Last());
    }

    [Fact]
    public void a_tree_of_256_is_one_full_level_0_tile_and_a_level_1_tile_of_width_1()
    {
        Assert.Equal([new TileId(0, 0, 256), new TileId(1, 0, 1)], Tiles.HashTilesFor(256));
        Assert.Empty(Tiles.HashTilesFor(0));
        Assert.Equal([new TileId(0, 0, 1)], Tiles.HashTilesFor(1));
    }

    [Fact]
    public void level_0_tiles_hold_leaf_hashes_and_level_1_tiles_the_roots_of_full_level_0_tiles()
    {
        var tree = Big.Value;

        var level0 = Tiles.ReadHashTile(Tiles.HashTile(tree, new TileId(0, 2, 256)), 256);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(Merkle.LeafHash(Entry(512 + i)), level0[i]);
        }

        var level1 = Tiles.ReadHashTile(Tiles.HashTile(tree, new TileId(1, 0, 256)), 256);
        Assert.Equal(tree.Root(256), level1[0]);
        var partial = Tiles.ReadHashTile(Tiles.HashTile(tree, new TileId(1, 1, 17)), 17);
        Assert.Equal(256, level1.Count);
        Assert.Equal(Tiles.HashTile(tree, new TileId(2, 0, 1)), tree.Root(65_536));

        // The hash of full level-0 tile n (n = 256 + 3) is MTH of its 256 leaves.
        var leaves = new MerkleTree();
        for (int i = 0; i < 256; i++)
        {
            leaves.Append(Entry(((256 + 3) * 256) + i));
        }

        Assert.Equal(leaves.Root(256), partial[3]);
    }

    [Fact]
    public void a_partial_tile_is_the_prefix_of_the_full_tile_it_grows_into()
    {
        var tree = Big.Value;
        var full = Tiles.HashTile(tree, new TileId(0, 7, 256));

        Assert.Equal(full.AsSpan(0, 5 * 32).ToArray(), Tiles.HashTile(tree, new TileId(0, 7, 5)));
    }

    [Fact]
    public void a_tree_refuses_a_tile_it_does_not_yet_hold()
    {
        var tree = new MerkleTree();
        for (int i = 0; i < 300; i++)
        {
            tree.Append(Entry(i));
        }

        Assert.True(Tiles.Covers(tree, new TileId(0, 1, 44)));
        Assert.False(Tiles.Covers(tree, new TileId(0, 1, 45)));
        Assert.False(Tiles.Covers(tree, new TileId(0, 1, 256)));
        Assert.False(Tiles.Covers(tree, new TileId(1, 0, 2)));
        Assert.False(Tiles.Covers(tree, new TileId(2, 0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tiles.HashTile(tree, new TileId(0, 1, 45)));
    }

    [Fact]
    public void an_entry_bundle_is_big_endian_uint16_lengths_followed_by_the_entries()
    {
        var bundle = Tiles.EntryBundle([Encoding.ASCII.GetBytes("a"), [], new byte[300]]);

        Assert.Equal(new byte[] { 0x00, 0x01, (byte)'a', 0x00, 0x00, 0x01, 0x2C }, bundle[..7]);
        Assert.Equal(7 + 300, bundle.Length);
        var back = Tiles.ReadEntryBundle(bundle, 3);
        Assert.Equal([Encoding.ASCII.GetBytes("a"), [], new byte[300]], back);
    }

    [Fact]
    public void an_entry_longer_than_a_uint16_cannot_be_bundled()
    {
        Tiles.EntryBundle([new byte[Tiles.MaxEntryLength]]);
        var e = Assert.Throws<ArgumentException>(() => Tiles.EntryBundle([[1], new byte[Tiles.MaxEntryLength + 1]]));
        Assert.Contains("entry 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_truncated_padded_or_short_bundle_is_refused_naming_the_entry()
    {
        var bundle = Tiles.EntryBundle([Entry(0), Entry(1), Entry(2)]);

        Assert.Equal(2, Assert.Throws<EntryBundleException>(() => Tiles.ReadEntryBundle(bundle[..^1], 3)).Position);
        Assert.Equal(2, Assert.Throws<EntryBundleException>(() => Tiles.ReadEntryBundle(bundle, 2)).Position);
        Assert.Equal(3, Assert.Throws<EntryBundleException>(() => Tiles.ReadEntryBundle(bundle, 4)).Position);
        Assert.Equal(3, Assert.Throws<EntryBundleException>(() => Tiles.ReadEntryBundle([.. bundle, 0], 3)).Position);
        Assert.Throws<FormatException>(() => Tiles.ReadHashTile(new byte[65], 2));
    }

    [Fact]
    public void a_tree_rebuilt_from_tiles_has_the_same_root_and_proofs_for_any_size()
    {
        var tree = Big.Value;
        Gen.Long[1, BigSize].SelectMany(size => Gen.Long[0, size - 1].SelectMany(index => Gen.Long[1, size].Select(from => (size, index, from))))
            .Sample(t =>
            {
                var tiled = FromTiles(tree, t.size);
                Assert.Equal(tree.Root(t.size), tiled.Root());
                Assert.Equal(tree.LeafHash(t.index), tiled.LeafHash(t.index));
                Assert.Equal(tree.InclusionProof(t.index, t.size), tiled.InclusionProof(t.index));
                Assert.Equal(tree.ConsistencyProof(t.from, t.size), tiled.ConsistencyProof(t.from));
            }, iter: 300);
    }

    [Fact]
    public void every_size_up_to_a_few_thousand_rebuilds_the_same_root_from_tiles_of_a_tree_of_exactly_that_size()
    {
        var tree = new MerkleTree();
        var tiles = new Dictionary<TileId, byte[]>();
        for (int size = 1; size <= 3000; size++)
        {
            tree.Append(Entry(size - 1));

            // Only the tiles of this size, from a tree of exactly this size: no tile may depend on a later leaf.
            tiles.Clear();
            foreach (var tile in Tiles.HashTilesFor(size))
            {
                tiles[tile] = Tiles.HashTile(tree, tile);
            }

            var tiled = new TiledTree(size, tile => tiles[tile]);
            Assert.Equal(Big.Value.Root(size), tiled.Root());
        }
    }

    [Fact]
    public void the_root_of_a_large_tree_is_read_from_the_highest_tiles_not_the_leaves()
    {
        var read = new List<TileId>();
        var tiled = FromTiles(Big.Value, BigSize, read);

        Assert.Equal(Big.Value.Root(BigSize), tiled.Root());
        Assert.All(read, t => Assert.False(t.Level == 0 && t.IsFull));
        Assert.True(read.Count <= 4, string.Join(", ", read));
    }

    [Fact]
    public void a_changed_tile_changes_the_root()
    {
        var tree = Big.Value;
        var tiled = new TiledTree(1000, tile =>
        {
            var bytes = Tiles.HashTile(tree, tile);
            if (tile == new TileId(0, 3, 232))
            {
                bytes[17] ^= 1;
            }

            return bytes;
        });

        Assert.NotEqual(tree.Root(1000), tiled.Root());
    }
}
