<#
.SYNOPSIS
Turns the cmdlet pages in docs/cmdlets (PlatyPS markdown layout) into the MAML help file the module ships,
and docs/about_*.md into about topics. PlatyPS cannot be obtained here, so this is it.

.DESCRIPTION
Run by build.ps1 (Build task) in a fresh pwsh after the module is laid out. Syntax and parameter
metadata (required, position, pipeline input, aliases, wildcards, types) are reflected from the BUILT
module with Get-Command, so they never drift from the code; the markdown supplies the words: synopsis,
description, parameter descriptions, examples, inputs, outputs, notes, related links.
Writes <ModulePath>/en-US/MedallionFoundry.dll-Help.xml and <ModulePath>/en-US/about_*.help.txt.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [string] $Culture = 'en-US'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot 'HelpMarkdown.ps1')

$ModulePath = (Resolve-Path $ModulePath).Path
$manifest = Join-Path $ModulePath 'MedallionFoundry.psd1'
$module = Import-Module $manifest -PassThru -Force
$outFolder = Join-Path $ModulePath $Culture
New-Item -ItemType Directory -Force -Path $outFolder | Out-Null

$commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$nsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$nsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$nsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$helpFile = Join-Path $outFolder 'MedallionFoundry.dll-Help.xml'
$w = [System.Xml.XmlWriter]::Create($helpFile, $settings)

function Write-Paras([string[]] $Paragraphs) {
    $w.WriteStartElement('maml', 'description', $nsMaml)
    foreach ($p in @($Paragraphs)) { $w.WriteElementString('maml', 'para', $nsMaml, $p) }
    $w.WriteEndElement()
}

function Test-DontShow($Parameter) {
    @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count -gt 0
}

function Get-PipelineInput($Parameter) {
    $kinds = @()
    if ($Parameter.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($Parameter.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Write-Parameter($Parameter, [string] $Description, [bool] $Required, [string] $Position) {
    $type = $Parameter.ParameterType
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $globbing = @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
    $aliases = @($Parameter.Aliases)
    $w.WriteStartElement('command', 'parameter', $nsCommand)
    $w.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', $type.IsArray.ToString().ToLowerInvariant())
    $w.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', (Get-PipelineInput $Parameter))
    $w.WriteAttributeString('position', $Position)
    $w.WriteAttributeString('aliases', $(if ($aliases.Count) { $aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $nsMaml, $Parameter.Name)
    Write-Paras (ConvertTo-Paragraph $Description)
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $nsCommand)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', $type.IsArray.ToString().ToLowerInvariant())
        $w.WriteString($type.Name)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $nsDev)
    $w.WriteElementString('maml', 'name', $nsMaml, $type.FullName)
    $w.WriteEndElement()
    $w.WriteElementString('dev', 'defaultValue', $nsDev, $(if ($isSwitch) { 'False' } else { 'None' }))
    $w.WriteEndElement()
}

function Write-TypeList([string] $Outer, [string] $Inner, $Subsections) {
    $w.WriteStartElement('command', $Outer, $nsCommand)
    foreach ($s in @($Subsections)) {
        $w.WriteStartElement('command', $Inner, $nsCommand)
        $w.WriteStartElement('dev', 'type', $nsDev)
        $w.WriteElementString('maml', 'name', $nsMaml, $s.Title)
        $w.WriteEndElement()
        Write-Paras (ConvertTo-Paragraph ($s.Lines -join "`n"))
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
$missing = @()
foreach ($name in @($module.ExportedCmdlets.Keys | Sort-Object)) {
    $page = Join-Path $DocsPath "cmdlets/$name.md"
    if (-not (Test-Path $page)) { $missing += $name; continue }
    $doc = Read-HelpMarkdown $page
    $command = Get-Command $name -Module $module.Name
    $verb, $noun = $name -split '-', 2

    $w.WriteStartElement('command', 'command', $nsCommand)
    $w.WriteAttributeString('xmlns', 'maml', $null, $nsMaml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $nsDev)
    $w.WriteStartElement('command', 'details', $nsCommand)
    $w.WriteElementString('command', 'name', $nsCommand, $name)
    $w.WriteElementString('command', 'verb', $nsCommand, $verb)
    $w.WriteElementString('command', 'noun', $nsCommand, $noun)
    Write-Paras (ConvertTo-Paragraph (Get-SectionText $doc 'SYNOPSIS'))
    $w.WriteEndElement()
    Write-Paras (ConvertTo-Paragraph (Get-SectionText $doc 'DESCRIPTION'))

    $descriptions = @{}
    foreach ($s in (Get-Subsections $doc 'PARAMETERS')) { $descriptions[$s.Title.TrimStart('-')] = ($s.Lines -join "`n") }
    $visible = { param($p) -not $commonParameters.Contains($p.Name) -and -not (Test-DontShow $p) }

    # Syntax: one item per parameter set, from the cmdlet itself (the default set first).
    $w.WriteStartElement('command', 'syntax', $nsCommand)
    foreach ($set in @($command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $w.WriteStartElement('command', 'syntaxItem', $nsCommand)
        $w.WriteElementString('maml', 'name', $nsMaml, $name)
        $ordered = $set.Parameters | Where-Object { & $visible $_ } |
            Sort-Object { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } }, { -not $_.IsMandatory }
        foreach ($p in $ordered) {
            $position = if ($p.Position -ge 0) { "$($p.Position)" } else { 'named' }
            Write-Parameter $p $descriptions[$p.Name] $p.IsMandatory $position
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # Parameters: each once; required/position from the sets that have them.
    $w.WriteStartElement('command', 'parameters', $nsCommand)
    $seen = @{}
    foreach ($set in @($command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        foreach ($p in $set.Parameters) {
            if (-not (& $visible $p) -or $seen.ContainsKey($p.Name)) { continue }
            $seen[$p.Name] = $true
            $inSets = @($command.ParameterSets | ForEach-Object { $_.Parameters | Where-Object Name -eq $p.Name })
            $required = @($inSets | Where-Object IsMandatory).Count -gt 0
            $positioned = @($inSets | Where-Object { $_.Position -ge 0 } | Select-Object -First 1)
            $position = if ($positioned) { "$($positioned[0].Position)" } else { 'named' }
            Write-Parameter $p $descriptions[$p.Name] $required $position
        }
    }
    $w.WriteEndElement()

    Write-TypeList 'inputTypes' 'inputType' (Get-Subsections $doc 'INPUTS')
    Write-TypeList 'returnValues' 'returnValue' (Get-Subsections $doc 'OUTPUTS')

    $w.WriteStartElement('maml', 'alertSet', $nsMaml)
    $w.WriteStartElement('maml', 'alert', $nsMaml)
    foreach ($p in (ConvertTo-Paragraph (Get-SectionText $doc 'NOTES'))) { $w.WriteElementString('maml', 'para', $nsMaml, $p) }
    $w.WriteEndElement(); $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $nsCommand)
    foreach ($example in (Get-Subsections $doc 'EXAMPLES')) {
        $parsed = Split-Example $example
        $w.WriteStartElement('command', 'example', $nsCommand)
        $w.WriteElementString('maml', 'title', $nsMaml, "---------- $($example.Title) ----------")
        $w.WriteElementString('dev', 'code', $nsDev, $parsed.Code)
        $w.WriteStartElement('dev', 'remarks', $nsDev)
        foreach ($p in (ConvertTo-Paragraph $parsed.Remarks)) { $w.WriteElementString('maml', 'para', $nsMaml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $nsCommand)
    foreach ($link in (Get-RelatedLinks $doc)) {
        $w.WriteStartElement('maml', 'navigationLink', $nsMaml)
        $w.WriteElementString('maml', 'linkText', $nsMaml, $link.Text)
        $w.WriteElementString('maml', 'uri', $nsMaml, $link.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement() # command:command
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()
foreach ($name in $missing) { Write-Warning "No help page docs/cmdlets/$name.md: $name ships without help." }

# Every docs/about_*.md becomes a help topic (about_MedallionFoundry, about_Bronze_Provider).
$topics = foreach ($about in Get-ChildItem $DocsPath -Filter 'about_*.md' | Sort-Object Name) {
    ConvertTo-AboutText (Get-Content $about.FullName) | Set-Content -Path (Join-Path $outFolder "$($about.BaseName).help.txt") -Encoding utf8NoBOM
    "$($about.BaseName).help.txt"
}
Write-Host "Help: $helpFile ($(@($module.ExportedCmdlets.Keys).Count - $missing.Count) cmdlets), $($topics -join ', ')"
