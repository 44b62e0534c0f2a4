# Every exported cmdlet ships real help: synopsis, description, every parameter described, at least
# two examples that still parse. Generic over the exported cmdlets, so new cmdlets are checked too.
BeforeDiscovery {
    . $PSScriptRoot/Common.ps1
    $script:Cmdlets = @((Get-Module MedallionFoundry).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:Parameters = foreach ($c in $script:Cmdlets) {
        foreach ($p in (Get-Command $c.Name).Parameters.Values) {
            $hidden = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count -gt 0
            if (-not $common.Contains($p.Name) -and -not $hidden) { @{ Cmdlet = $c.Name; Parameter = $p.Name } }
        }
    }
}

BeforeAll {
    . $PSScriptRoot/Common.ps1
    function Get-HelpText($Value) { (@($Value) | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n" }
}

Describe 'Cmdlet help' {
    It 'exports the cmdlets of the module (at least the eight it ships)' {
        $Cmdlets.Count | Should -BeGreaterOrEqual 8
    }

    It '<Name> has a synopsis and a description from the help file' -ForEach $Cmdlets {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file PowerShell makes the synopsis up from the syntax.
        $help.Synopsis | Should -Not -BeLike "*$Name *[<CommonParameters>]*"
        Get-HelpText $help.description | Should -Not -BeNullOrEmpty
        $help.syntax.syntaxItem | Should -Not -BeNullOrEmpty
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
    }

    It '<Cmdlet> -<Parameter> is described' -ForEach $Parameters {
        $parameterHelp = Get-Help $Cmdlet -Parameter $Parameter
        Get-HelpText $parameterHelp.description | Should -Not -BeNullOrEmpty -Because "docs/cmdlets/$Cmdlet.md needs '### -$Parameter'"
    }

    It '<Name> has at least two examples and each one parses' -ForEach $Cmdlets {
        $examples = @((Get-Help $Name -Examples).examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            $errors = $null; $tokens = $null
            [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref]$tokens, [ref]$errors) | Out-Null
            $errors | Should -BeNullOrEmpty -Because "$($example.title.Trim('- ')) must still parse"
            Get-HelpText $example.remarks | Should -Not -BeNullOrEmpty
        }
    }

    It '<Name> examples call <Name>' -ForEach $Cmdlets {
        $codes = @((Get-Help $Name -Examples).examples.example.code)
        @($codes | Where-Object { $_ -match [regex]::Escape($Name) }).Count | Should -Be $codes.Count
    }
}

Describe 'about_MedallionFoundry' {
    It 'is found by Get-Help and explains config, backends and credentials' {
        $text = Get-Help about_MedallionFoundry | Out-String
        $text | Should -Match 'about_MedallionFoundry'
        $text | Should -Match 'CONFIGURATION'
        $text | Should -Match 'BACKENDS'
        $text | Should -Match 'CREDENTIALS'
    }
}

Describe 'Help generator' {
    It 'keeps comment lines inside example code as code, not headings' {
        . (Join-Path $PSScriptRoot '../../src/MedallionFoundry/Help/HelpMarkdown.ps1')
        $page = Join-Path (New-TestFolder 'help') 'Page.md'
        Set-Content $page @'
# Do-Thing
## SYNOPSIS
Does it.
## EXAMPLES
### Example 1: with a comment
```powershell
# a comment, not a heading
Do-Thing
```
Text after.
'@
        $doc = Read-HelpMarkdown $page
        $example = Split-Example (Get-Subsections $doc 'EXAMPLES')[0]
        $example.Code | Should -Be "# a comment, not a heading`nDo-Thing"
        $example.Remarks.Trim() | Should -Be 'Text after.'
    }
}

Describe 'about_Bronze_Provider' {
    It 'is found by Get-Help and lists what works and what is refused' {
        $text = Get-Help about_Bronze_Provider | Out-String
        $text | Should -Match 'about_Bronze_Provider'
        $text | Should -Match 'WHAT WORKS'
        $text | Should -Match 'WHAT IS REFUSED'
        $text | Should -Match 'New-PSDrive'
    }
}
