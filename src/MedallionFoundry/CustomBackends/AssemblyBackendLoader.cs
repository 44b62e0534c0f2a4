using System.Management.Automation;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using MedallionFoundry.Backends;
using MedallionFoundry.Config;
using MedallionFoundry.Storage;

namespace MedallionFoundry.CustomBackends;

/// <summary>
/// The .NET form of a custom backend: a public, non-abstract class deriving from
/// <see cref="StorageBackend"/> with a public constructor taking <see cref="BackendSettings"/> (its own
/// typed options; preferred) or, deprecated and kept for one release, <see cref="PlatformConfig"/>.
/// The class may declare its options in a public static property
/// <c>IReadOnlyList&lt;OptionDeclaration&gt; Options</c>; they join those given at registration.
/// Everything is checked here, at registration, so a bad type fails with a precise error id
/// instead of at the first Connect-BronzeStorage.
/// </summary>
public static class AssemblyBackendLoader
{
    /// <summary>Loads the assembly, checks the type and returns the descriptor to register.</summary>
    public static BackendDescriptor Describe(CustomBackendOptions options, string assemblyPath, string typeName)
    {
        var path = Path.GetFullPath(assemblyPath);
        if (!File.Exists(path))
            throw new BackendRegistrationException("AssemblyNotFound", ErrorCategory.ObjectNotFound,
                $"The assembly '{path}' does not exist.");

        var assembly = Load(path);
        var type = FindType(assembly, typeName, path);
        var constructor = CheckType(type);

        BackendDescriptor descriptor = null!;
        descriptor = new BackendDescriptor
        {
            Name = options.Name,
            Description = options.Description,
            Options = options.Declarations(DeclaredOptions(type)),
            ConnectionSection = options.Name,
            Source = $"{type.FullName}, {path}",
            Create = config => Construct(constructor,
                constructor.GetParameters()[0].ParameterType == typeof(BackendSettings) ? BackendSettings.From(config, descriptor) : config),
        };
        return CustomBackendKinds.Tag(descriptor, CustomBackendKind.Assembly);
    }

    /// <summary>Loads into the context that holds MedallionFoundry.Core, so the backend's reference
    /// to the contract resolves to the very StorageBackend type the module uses.</summary>
    static Assembly Load(string path)
    {
        var context = AssemblyLoadContext.GetLoadContext(typeof(StorageBackend).Assembly) ?? AssemblyLoadContext.Default;
        try
        {
            return context.LoadFromAssemblyPath(path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            throw new BackendRegistrationException("AssemblyLoadFailed", ErrorCategory.InvalidData,
                $"The assembly '{path}' cannot be loaded: {ex.Message}", ex);
        }
    }

    static Type FindType(Assembly assembly, string typeName, string path)
    {
        var type = assembly.GetType(typeName, throwOnError: false, ignoreCase: false);
        if (type is not null) return type;
        var candidates = LoadableTypes(assembly)
            .Where(t => typeof(StorageBackend).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => t.FullName)
            .ToList();
        throw new BackendRegistrationException("TypeNotFound", ErrorCategory.ObjectNotFound,
            $"The type '{typeName}' is not in the assembly '{path}'. Give the full name (namespace included). " +
            (candidates.Count > 0 ? $"Storage backends in it: {string.Join(", ", candidates)}." : "It contains no class deriving from MedallionFoundry.Storage.StorageBackend."));
    }

    static ConstructorInfo CheckType(Type type)
    {
        if (!typeof(StorageBackend).IsAssignableFrom(type))
        {
            var lookalike = BaseTypes(type).FirstOrDefault(t => t.FullName == typeof(StorageBackend).FullName);
            var hint = lookalike is null ? ""
                : $" It derives from a StorageBackend loaded from another copy of MedallionFoundry.Core ('{lookalike.Assembly.Location}'); reference the module's MedallionFoundry.Core.dll and do not ship a copy of it beside the backend.";
            throw new BackendRegistrationException("NotAStorageBackend", ErrorCategory.InvalidType,
                $"The type '{type.FullName}' does not derive from MedallionFoundry.Storage.StorageBackend.{hint}");
        }
        if (type.IsAbstract || type.IsGenericTypeDefinition)
            throw new BackendRegistrationException("TypeIsAbstract", ErrorCategory.InvalidType,
                $"The type '{type.FullName}' is abstract (or an open generic type); register a concrete class.");
        if (!type.IsVisible)
            throw new BackendRegistrationException("TypeNotPublic", ErrorCategory.InvalidType,
                $"The type '{type.FullName}' is not public.");
        return type.GetConstructor(new[] { typeof(BackendSettings) })
            ?? type.GetConstructor(new[] { typeof(PlatformConfig) })
            ?? throw new BackendRegistrationException("NoSuitableConstructor", ErrorCategory.InvalidType,
                $"The type '{type.FullName}' has no public constructor taking one MedallionFoundry.Backends.BackendSettings: add 'public {type.Name}(BackendSettings settings)'.");
    }

    /// <summary>The options a backend class declares in a public static Options property, if any.</summary>
    static IReadOnlyList<OptionDeclaration> DeclaredOptions(Type type)
    {
        var property = type.GetProperty("Options", BindingFlags.Public | BindingFlags.Static);
        if (property is null || !typeof(IEnumerable<OptionDeclaration>).IsAssignableFrom(property.PropertyType)) return [];
        try { return ((IEnumerable<OptionDeclaration>?)property.GetValue(null))?.ToList() ?? []; }
        catch (TargetInvocationException ex)
        {
            throw new BackendRegistrationException("InvalidOption", ErrorCategory.InvalidData,
                $"The static Options property of '{type.FullName}' failed: {ex.InnerException?.Message}", ex.InnerException);
        }
    }

    /// <summary>Creates the backend; errors thrown by its constructor (e.g. a ConfigException naming a key) come out as they are.</summary>
    static StorageBackend Construct(ConstructorInfo constructor, object argument)
    {
        try
        {
            return (StorageBackend)constructor.Invoke(new[] { argument });
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType) yield return t;
    }

    static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException ex) { return ex.Types.Where(t => t is not null)!; }
    }
}
