using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Parley.Server.Tests.Contract.Generated;

/// <summary>
/// The generated client's extension point: absent values are left out of requests, and enum values are written as the
/// document spells them, which NSwag keeps in each member's <c>EnumMember</c> attribute (System.Text.Json reads only
/// its own attribute, and would write <c>CounterPropose</c> for <c>counter-propose</c>).
/// </summary>
public partial class ParleyClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
    {
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        settings.TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                type =>
                {
                    foreach (var property in type.Properties.Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType).IsEnum))
                    {
                        property.CustomConverter = DocumentEnums.For(property.PropertyType);
                    }
                },
            },
        };
    }

    /// <summary>Enum values as the document names them.</summary>
    private static class DocumentEnums
    {
        public static JsonConverter For(Type type) => Nullable.GetUnderlyingType(type) is { } underlying
            ? (JsonConverter)Activator.CreateInstance(typeof(Optional<>).MakeGenericType(underlying))!
            : (JsonConverter)Activator.CreateInstance(typeof(Named<>).MakeGenericType(type))!;

        private static string Name<T>(T value)
            where T : struct, Enum =>
            typeof(T).GetField(value.ToString())?.GetCustomAttributes(typeof(System.Runtime.Serialization.EnumMemberAttribute), false)
                .OfType<System.Runtime.Serialization.EnumMemberAttribute>().FirstOrDefault()?.Value ?? value.ToString();

        private static T Parse<T>(string? text)
            where T : struct, Enum => Enum.GetValues<T>().Single(v => Name(v) == text);

        private sealed class Named<T> : JsonConverter<T>
            where T : struct, Enum
        {
            public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse<T>(reader.GetString());

            public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Name(value));
        }

        private sealed class Optional<T> : JsonConverter<T?>
            where T : struct, Enum
        {
            public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
                reader.TokenType == JsonTokenType.Null ? null : Parse<T>(reader.GetString());

            public override void Write(Utf8JsonWriter writer, T? value, JsonSerializerOptions options)
            {
                if (value is { } v)
                {
                    writer.WriteStringValue(Name(v));
                }
                else
                {
                    writer.WriteNullValue();
                }
            }
        }
    }
}
