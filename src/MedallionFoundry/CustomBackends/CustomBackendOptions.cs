using System.Runtime.CompilerServices;
using MedallionFoundry.Backends;
using MedallionFoundry.Config;

namespace MedallionFoundry.CustomBackends;

/// <summary>What both registration forms share: the name and the config keys shown by Get-BronzeStorageBackend.</summary>
public sealed class CustomBackendOptions
{
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    /// <summary>Keys that must be present under platform.bronze (checked before the backend is created).</summary>
    public IReadOnlyList<string> RequiredKeys { get; init; } = Array.Empty<string>();

    /// <summary>Keys that may be present under platform.bronze (shown in Get-BronzeStorageBackend).</summary>
    public IReadOnlyList<string> OptionalKeys { get; init; } = Array.Empty<string>();

    /// <summary>Options declared in full (Register-BronzeStorageBackend -Option, or a .NET backend's own table).</summary>
    public IReadOnlyList<OptionDeclaration> Options { get; init; } = Array.Empty<OptionDeclaration>();

    /// <summary>Every option of the backend: <see cref="Options"/>, then <see cref="RequiredKeys"/> and
    /// <see cref="OptionalKeys"/> as plain string options under platform.bronze, then 'path' (-Path) and
    /// 'prefix' (-Prefix), which Connect-BronzeStorage has always passed to custom backends, unless declared.</summary>
    /// <param name="own">Options the backend type itself declares (a .NET backend's static Options property).</param>
    public IReadOnlyList<OptionDeclaration> Declarations(IEnumerable<OptionDeclaration>? own = null)
    {
        var all = new List<OptionDeclaration>(Options);
        foreach (var option in own ?? []) if (!all.Any(o => o.FullKey == option.FullKey)) all.Add(option);
        void Add(OptionDeclaration option)
        {
            if (!all.Any(o => o.FullKey == option.FullKey)) all.Add(option);
        }
        foreach (var key in RequiredKeys) Add(Plain(key, required: true));
        foreach (var key in OptionalKeys) Add(Plain(key, required: false));
        Add(Plain("path", required: false));
        Add(Plain("prefix", required: false));
        return all;
    }

    /// <summary>A string option under platform.bronze; 'path' and 'prefix' are set by -Path and -Prefix
    /// unless another declared option already takes that parameter.</summary>
    OptionDeclaration Plain(string key, bool required)
    {
        var parameter = key switch { "path" => "Path", "prefix" => "Prefix", _ => null };
        if (parameter is not null && Options.Any(o => o.Parameter == parameter)) parameter = null;
        if (Options.FirstOrDefault(o => o.Key == key && o.Section == OptionDeclaration.BronzeSection) is { } declared) return declared;
        return new OptionDeclaration
        {
            Key = key,
            Type = parameter == "Path" ? OptionType.Path : OptionType.String,
            Required = required,
            Parameter = parameter,
            Help = required ? "Declared with -RequiredKey." : parameter is null ? "Declared with -OptionalKey." : $"Set by Connect-BronzeStorage -{parameter}.",
        };
    }

    /// <summary>Checks the name against the rules and the registry; throws InvalidName, BuiltInName or NameInUse.</summary>
    public void ValidateName(BackendRegistry registry, bool replace)
    {
        if (Name.Length == 0 || !char.IsAsciiLetter(Name[0]) || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            throw new BackendRegistrationException("InvalidName", System.Management.Automation.ErrorCategory.InvalidArgument,
                $"The backend name '{Name}' is not valid: start with a letter and use letters, digits, '_' or '-'.");
        if (registry.TryGet(Name, out var existing))
        {
            if (existing.IsBuiltIn)
                throw new BackendRegistrationException("BuiltInName", System.Management.Automation.ErrorCategory.ResourceExists,
                    $"The name '{Name}' belongs to a built-in backend and cannot be registered. Built-in backends: {string.Join(", ", registry.Descriptors.Where(d => d.IsBuiltIn).Select(d => d.Name))}.");
            if (!replace)
                throw new BackendRegistrationException("NameInUse", System.Management.Automation.ErrorCategory.ResourceExists,
                    $"A backend named '{Name}' is already registered ({existing.Source}). Unregister it first, or use -Force to replace it.");
        }
    }
}

/// <summary>How a custom backend was registered, for Get-BronzeStorageBackend.</summary>
/// <summary>Where a backend comes from; Layer for the storage layers of platform.bronze.layers (listed beside the backends).</summary>
public enum CustomBackendKind { BuiltIn, Assembly, ScriptBlock, Module, Layer }

/// <summary>Remembers the kind of each descriptor this assembly created, without changing the descriptor type.</summary>
public static class CustomBackendKinds
{
    static readonly ConditionalWeakTable<BackendDescriptor, object> Kinds = new();

    internal static BackendDescriptor Tag(BackendDescriptor descriptor, CustomBackendKind kind)
    {
        Kinds.AddOrUpdate(descriptor, kind);
        return descriptor;
    }

    public static CustomBackendKind Of(BackendDescriptor descriptor) =>
        descriptor.IsBuiltIn ? CustomBackendKind.BuiltIn
        : Kinds.TryGetValue(descriptor, out var kind) ? (CustomBackendKind)kind
        : CustomBackendKind.Assembly;
}
