using System.Globalization;
using System.Text.RegularExpressions;

namespace MedallionFoundry.Config;

/// <summary>
/// The binder: reads a declared option from a config (YAML or parameters, the same code either way)
/// into its typed value, with the one parser per type. Errors name the key and the file/line or the
/// parameter; a sensitive value, or the value of an environment variable, is never quoted.
/// </summary>
public static partial class OptionValues
{
    /// <summary>Upper bound of any duration (a year), so no value overflows TimeSpan.</summary>
    public const double MaxDurationSeconds = 365 * 24 * 3600;

    /// <summary>The typed value of an option (its default when absent): string, int, double, bool, TimeSpan or long.</summary>
    /// <param name="root">"platform" or any section above the option's own.</param>
    public static object? Read(ConfigSection root, OptionDeclaration option)
    {
        var section = root.Find(option.Section);
        if (section is null || !section.Has(option.Key))
        {
            if (option.Required) throw Missing(root, section, option);
            return option.DefaultValue;
        }
        if (option.Type == OptionType.List)
            return section.Raw(option.Key) as IReadOnlyList<object?>
                ?? throw section.Error(option.Key, $"The key '{section.KeyPath(option.Key)}' must be a list (lines starting with '- '), not a {ConfigSection.Describe(section.Raw(option.Key)!)}.");
        var text = section.GetString(option.Key, required: option.Required)!;
        var value = Parse(section, option, text);
        if (option.Sensitive) Resilience.SecretRedactor.Remember(value as string);
        return value;
    }

    static object? Parse(ConfigSection section, OptionDeclaration option, string text)
    {
        return option.Type switch
        {
            OptionType.String or OptionType.Path => text,
            OptionType.EnvVarName => section.GetFromEnvironment(option.Key, option.Required),
            OptionType.Bool => ParseBool(section, option.Key, text, option.Sensitive),
            OptionType.Int => (int)ParseWhole(section, option.Key, text, option.Min ?? int.MinValue, option.Max ?? int.MaxValue, option.Sensitive),
            OptionType.Number => ParseNumber(section, option.Key, text, option.Min ?? double.MinValue, option.Max ?? double.MaxValue, option.MinExclusive, option.Sensitive),
            OptionType.Duration => ParseDuration(section, option.Key, text, option.Min ?? 0, option.Max ?? MaxDurationSeconds, option.MinExclusive),
            OptionType.Size => ParseSize(section, option.Key, text, (long)(option.Min ?? 0), (long)(option.Max ?? long.MaxValue)),
            OptionType.Enum => ParseEnum(section, option, text),
            _ => throw new ArgumentOutOfRangeException(nameof(option), option.Type, "Unknown option type."),
        };
    }

    public static string? String(this ConfigSection root, OptionDeclaration option) => (string?)Read(root, Expect(option, OptionType.String, OptionType.Path, OptionType.EnvVarName, OptionType.Enum));

    public static int? Int(this ConfigSection root, OptionDeclaration option) => (int?)Read(root, Expect(option, OptionType.Int));

    public static double? Number(this ConfigSection root, OptionDeclaration option) => (double?)Read(root, Expect(option, OptionType.Number));

    public static bool? Bool(this ConfigSection root, OptionDeclaration option) => (bool?)Read(root, Expect(option, OptionType.Bool));

    public static TimeSpan? Duration(this ConfigSection root, OptionDeclaration option) => (TimeSpan?)Read(root, Expect(option, OptionType.Duration));

    public static long? Size(this ConfigSection root, OptionDeclaration option) => (long?)Read(root, Expect(option, OptionType.Size));

    /// <summary>True when the option is set (whatever its value).</summary>
    public static bool IsSet(this ConfigSection root, OptionDeclaration option) => root.Find(option.Section)?.Has(option.Key) == true;

    /// <summary>Checks every option's presence, type and range, without reading environment variables.</summary>
    public static void Validate(ConfigSection root, IEnumerable<OptionDeclaration> options)
    {
        foreach (var option in options)
        {
            if (option.Type == OptionType.EnvVarName)
            {
                var section = root.Find(option.Section);
                if (section is null || !section.Has(option.Key)) { if (option.Required) throw Missing(root, section, option); }
                else section.GetString(option.Key, required: true);
                continue;
            }
            Read(root, option);
        }
    }

    static OptionDeclaration Expect(OptionDeclaration option, params OptionType[] types) =>
        types.Contains(option.Type) ? option : throw new InvalidOperationException($"The option '{option.FullKey}' is a {option.Type}, not a {types[0]}.");

    static ConfigException Missing(ConfigSection root, ConfigSection? section, OptionDeclaration option)
    {
        var where = section ?? root;
        var hint = option.Parameter is { } parameter && where.File is null ? $" Give -{parameter}." : "";
        return new ConfigException($"The key '{option.FullKey}' is required.{hint}", option.FullKey, where.File, where.Line);
    }

    static string Quote(string text, bool sensitive) => sensitive ? "" : $", not '{text}'";

    // ---- the one parser per type -------------------------------------------------------------

    public static bool ParseBool(ConfigSection section, string key, string text, bool sensitive) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => throw section.Error(key, $"The key '{section.KeyPath(key)}' must be true or false{Quote(text, sensitive)}."),
    };

    public static long ParseWhole(ConfigSection section, string key, string text, double min, double max, bool sensitive)
    {
        var trimmed = text.Trim();
        if (!WholePattern().IsMatch(trimmed))
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be a whole number{Quote(text, sensitive)}.");
        // Too many digits for a long is out of range, not a crash.
        var fits = long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n);
        if (!fits || n < min || n > max)
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be between {Show(min)} and {Show(max)}{(sensitive ? "" : $", not {trimmed}")}.");
        return n;
    }

    public static double ParseNumber(ConfigSection section, string key, string text, double min, double max, bool minExclusive, bool sensitive)
    {
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n))
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be a number{Quote(text, sensitive)}.");
        if (double.IsInfinity(n) || n < min || n > max || (minExclusive && n <= min))
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be {Between(min, max, minExclusive, Show)}{(sensitive ? "" : $", not {text.Trim()}")}.");
        return n;
    }

    /// <summary>Seconds, or a number with ms, s, m or h. Never overflows: values past the range are errors.</summary>
    public static TimeSpan ParseDuration(ConfigSection section, string key, string text, double minSeconds, double maxSeconds, bool minExclusive)
    {
        var s = text.Trim().ToLowerInvariant();
        var (number, scale) = s.EndsWith("ms") ? (s[..^2], 0.001)
            : s.EndsWith('s') ? (s[..^1], 1.0)
            : s.EndsWith('m') ? (s[..^1], 60.0)
            : s.EndsWith('h') ? (s[..^1], 3600.0)
            : (s, 1.0);
        if (!double.TryParse(number.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsNaN(n))
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be a non-negative duration in seconds (or with ms/s/m/h), not '{text.Trim()}'.");
        var seconds = n * scale;
        if (double.IsInfinity(seconds) || seconds > maxSeconds || seconds < minSeconds || (minExclusive && seconds <= minSeconds))
        {
            if (minExclusive && minSeconds == 0 && seconds == 0)
                throw section.Error(key, $"The key '{section.KeyPath(key)}' must be more than 0 seconds.");
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be {Between(minSeconds, maxSeconds, minExclusive, v => FormatDuration(TimeSpan.FromSeconds(v)))}, not '{text.Trim()}'.");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Bytes, or a number with a binary unit: KiB/MiB/GiB/TiB (KB, MB, GB, TB, K, M, G, T read as binary too). Rounded to the byte.</summary>
    public static long ParseSize(ConfigSection section, string key, string text, long min, long max)
    {
        var match = SizePattern().Match(text);
        if (!match.Success)
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be a size such as 16MiB or 8388608, not '{text.Trim()}'.");
        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups[2].Value.ToLowerInvariant();
        var scale = unit.Length == 0 || unit == "b" ? 1d : unit[0] switch { 'k' => 1d * (1 << 10), 'm' => 1d * (1 << 20), 'g' => 1d * (1 << 30), _ => 1d * (1L << 40) };
        var bytes = Math.Round(number * scale);
        if (bytes < min || bytes > max)
            throw section.Error(key, $"The key '{section.KeyPath(key)}' must be between {FormatSize(min)} and {FormatSize(max)}, not '{text.Trim()}'.");
        return (long)bytes;
    }

    static string ParseEnum(ConfigSection section, OptionDeclaration option, string text)
    {
        var value = text.Trim().ToLowerInvariant();
        if (option.Allowed.Contains(value, StringComparer.Ordinal)) return value;
        var choices = option.Allowed.Count == 2 ? $"{option.Allowed[0]} or {option.Allowed[1]}" : $"one of {string.Join(", ", option.Allowed)}";
        throw section.Error(option.Key, $"The key '{section.KeyPath(option.Key)}' must be {choices}{Quote(text.Trim(), option.Sensitive)}.");
    }

    // ---- formatting for messages and docs ----------------------------------------------------

    public static string Format(OptionDeclaration option, object value) => value switch
    {
        bool b => b ? "true" : "false",
        TimeSpan t => FormatDuration(t),
        long l when option.Type == OptionType.Size => FormatSize(l),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string FormatSize(long bytes) =>
        bytes == long.MaxValue ? "unlimited"
        : bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30}GiB"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20}MiB"
        : bytes >= 1L << 10 && bytes % (1L << 10) == 0 ? $"{bytes >> 10}KiB"
        : $"{bytes} bytes";

    public static string FormatDuration(TimeSpan t) =>
        t.TotalSeconds < 1 && t > TimeSpan.Zero ? $"{Show(t.TotalMilliseconds)}ms"
        : t.TotalSeconds >= 3600 && t.TotalSeconds % 3600 == 0 ? $"{Show(t.TotalHours)}h"
        : $"{Show(t.TotalSeconds)}s";

    static string Show(double v) => v switch
    {
        int.MinValue or long.MinValue or double.MinValue => "-∞",
        int.MaxValue or long.MaxValue or double.MaxValue => "∞",
        _ => v.ToString(CultureInfo.InvariantCulture),
    };

    static string Between(double min, double max, bool minExclusive, Func<double, string> show) =>
        minExclusive ? $"more than {show(min)} and at most {show(max)}" : $"between {show(min)} and {show(max)}";

    [GeneratedRegex(@"^[+-]?\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex WholePattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
