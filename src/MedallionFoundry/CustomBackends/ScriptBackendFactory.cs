using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using MedallionFoundry.Backends;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// Checks a PowerShell-script backend at registration (every required operation present, each
/// declaring exactly its parameters) and returns the descriptor that creates
/// <see cref="ScriptStorageBackend"/>s from it.
/// </summary>
public static class ScriptBackendFactory
{
    static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm", "UseTransaction",
    };

    public static BackendDescriptor Describe(ScriptBackendDefinition definition)
    {
        if (definition.ThrottleLimit < 1)
            throw new BackendRegistrationException("InvalidThrottleLimit", ErrorCategory.InvalidArgument,
                $"The throttle limit must be at least 1, not {definition.ThrottleLimit}.");
        var calls = definition.Module is { } module ? FromModule(module) : FromScripts(definition.Scripts);
        var kind = definition.Module is null ? CustomBackendKind.ScriptBlock : CustomBackendKind.Module;
        var options = definition.Options;
        BackendDescriptor descriptor = null!;
        descriptor = new BackendDescriptor
        {
            Name = options.Name,
            Description = options.Description,
            Options = options.Declarations(),
            ConnectionSection = options.Name,
            Source = definition.Module is null ? $"scriptblocks ({string.Join(", ", calls.Keys)})" : $"module {definition.Module}",
            Create = config => new ScriptStorageBackend(options.Name, calls, definition.Module, definition.ThrottleLimit, config, BackendSettings.From(config, descriptor)),
        };
        return CustomBackendKinds.Tag(descriptor, kind);
    }

    static IReadOnlyDictionary<string, ScriptCall> FromScripts(IReadOnlyDictionary<string, string> scripts)
    {
        var calls = new Dictionary<string, ScriptCall>(StringComparer.OrdinalIgnoreCase);
        foreach (var operation in ScriptOperation.All)
        {
            if (!scripts.TryGetValue(operation.Name, out var text) || string.IsNullOrWhiteSpace(text))
            {
                if (operation.Required)
                    throw new BackendRegistrationException("MissingMethod", ErrorCategory.InvalidArgument,
                        $"The -{operation.Name} scriptblock is missing. A script backend needs -Upload, -Download, -List and -Delete; -{operation.Name} must look like {{ {operation.Signature} ... }}.");
                continue;
            }
            var ast = Parser.ParseInput(text, out _, out var errors);
            if (errors.Length > 0)
                throw new BackendRegistrationException("InvalidScript", ErrorCategory.ParserError,
                    $"The -{operation.Name} scriptblock does not parse: {errors[0].Message}");
            var declared = ast.ParamBlock?.Parameters.Select(p => p.Name.VariablePath.UserPath).ToList() ?? new List<string>();
            CheckParameters(operation, declared, $"The -{operation.Name} scriptblock");
            calls[operation.Name] = new ScriptCall(operation, text, null);
        }
        return calls;
    }

    /// <summary>Imports the module into a throw-away runspace (not the caller's session) and checks its functions.</summary>
    static IReadOnlyDictionary<string, ScriptCall> FromModule(string module)
    {
        var functions = new Dictionary<string, FunctionInfo>(StringComparer.OrdinalIgnoreCase);
        using (var ps = PowerShell.Create(InitialSessionState.CreateDefault2()))
        {
            ps.AddCommand("Import-Module").AddParameter("Name", module).AddParameter("PassThru", true).AddParameter("ErrorAction", ActionPreference.Stop);
            try
            {
                foreach (var result in ps.Invoke())
                    if (result.BaseObject is PSModuleInfo info)
                        foreach (var function in info.ExportedFunctions.Values)
                            functions[function.Name] = function;
            }
            catch (RuntimeException ex)
            {
                throw new BackendRegistrationException("ModuleNotFound", ErrorCategory.ObjectNotFound,
                    $"The module '{module}' cannot be imported: {ex.Message}", ex);
            }
            if (ps.HadErrors && ps.Streams.Error.Count > 0)
                throw new BackendRegistrationException("ModuleNotFound", ErrorCategory.ObjectNotFound,
                    $"The module '{module}' cannot be imported: {ps.Streams.Error[0]}");
        }

        var calls = new Dictionary<string, ScriptCall>(StringComparer.OrdinalIgnoreCase);
        foreach (var operation in ScriptOperation.All)
        {
            if (!functions.TryGetValue(operation.FunctionName, out var function))
            {
                if (operation.Required)
                    throw new BackendRegistrationException("MissingMethod", ErrorCategory.InvalidArgument,
                        $"The module '{module}' does not export the function '{operation.FunctionName}' ({operation.Name}). It must define " +
                        $"function {operation.FunctionName} {{ {operation.Signature} ... }}.");
                continue;
            }
            var declared = function.Parameters.Keys.Where(p => !CommonParameters.Contains(p)).ToList();
            CheckParameters(operation, declared, $"The function '{operation.FunctionName}' of the module '{module}'");
            calls[operation.Name] = new ScriptCall(operation, null, function.Name);
        }
        return calls;
    }

    static void CheckParameters(ScriptOperation operation, IReadOnlyCollection<string> declared, string what)
    {
        var missing = operation.Parameters.Where(p => !declared.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
        var extra = declared.Where(p => !operation.Parameters.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count == 0 && extra.Count == 0) return;
        var shown = declared.Count == 0 ? "no parameters" : $"param({string.Join(", ", declared.Select(p => "$" + p))})";
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {string.Join(", ", missing.Select(p => "$" + p))}");
        if (extra.Count > 0) problems.Add($"unexpected {string.Join(", ", extra.Select(p => "$" + p))}");
        throw new BackendRegistrationException("WrongParameters", ErrorCategory.InvalidArgument,
            $"{what} declares {shown} ({string.Join("; ", problems)}); {operation.Name} must declare {operation.Signature}.");
    }
}
