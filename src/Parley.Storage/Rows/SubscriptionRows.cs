using System.Data.Common;
using Parley.Core;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using static Parley.Storage.Rows.StoredTime;

namespace Parley.Storage.Rows;

/// <summary>
/// Subscriptions as every store reads them back: the columns to select, in order, and the subscriptions they give. The
/// area is kept as GeoJSON geometry text, the kinds as a JSON array (<see cref="JsonStrings"/>).
/// </summary>
internal static class SubscriptionRows
{
    /// <summary>The columns <see cref="ReadAsync"/> reads, in its order.</summary>
    public const string Columns = "id, party, area_json, start_ticks, end_ticks, kinds_json, webhook, created_ticks";

    /// <summary>Every row of the reader's current result, as selected by <see cref="Columns"/>.</summary>
    /// <param name="reader">The reader, before its first row.</param>
    /// <param name="agreement">The agreement, named in errors.</param>
    /// <param name="where">The store, named in errors.</param>
    /// <param name="area">Reads the area column's UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="InvalidDataException">A row does not read back.</exception>
    public static Task<IReadOnlyList<Subscription>> ReadAsync(
        DbDataReader reader, AgreementId agreement, string where, Utf8Column area, CancellationToken cancellationToken) =>
        RowReader.ReadAllAsync(reader, row => Read(row, agreement, where, area), cancellationToken);

    private static Subscription Read(DbDataReader reader, AgreementId agreement, string where, Utf8Column area)
    {
        string id = reader.GetString(0);
        try
        {
            using var geometry = FeatureReader.ParseJson(area(reader, 2));
            return new Subscription
            {
                Id = new SubscriptionId(id),
                Party = new PartyId(reader.GetString(1)),
                // Read back without the agreement's vertex limit: it was checked when the subscription was made.
                Area = SubscriptionReader.ReadArea(geometry.RootElement, int.MaxValue),
                Window = new TimeWindow(Time(reader.GetInt64(3)), reader.IsDBNull(4) ? null : Time(reader.GetInt64(4))),
                Kinds = JsonStrings.Read(reader.GetString(5)),
                Webhook = reader.IsDBNull(6) ? null : new Uri(reader.GetString(6), UriKind.Absolute),
                Created = Time(reader.GetInt64(7)),
            };
        }
        catch (Exception e) when (e is InputRejectedException or System.Text.Json.JsonException or UriFormatException or ArgumentException)
        {
            // Name the subscription and the field only: an area is a party's private interest and stays out of messages.
            throw new InvalidDataException($"The stored subscription '{id}' of agreement '{agreement}' in {where} does not read back ({e.GetType().Name}).");
        }
    }
}
