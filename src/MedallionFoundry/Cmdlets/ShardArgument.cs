using System.Management.Automation;

namespace MedallionFoundry.Commands;

/// <summary>Checks the "i/n" given to -Shard, with the parser's clear message when it is not one.
/// The parameter stays a string: a parameter of a Core type would load Core before the module's
/// load context is set up (see Isolation/ModuleAssemblyInitializer).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ValidateShardAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
        try { Sync.Shard.Parse(value?.ToString() ?? ""); }
        catch (FormatException ex) { throw new ValidationMetadataException(ex.Message, ex); }
    }

    /// <summary>The parsed shard of a validated -Shard value, or null when none was given.</summary>
    public static Sync.Shard? Parse(string? value) => value is null ? null : Sync.Shard.Parse(value);
}
